// Nothing is fetched at build or run time (no next/font/google, no remote images), so the app
// builds and runs offline.
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
};

export default nextConfig;
