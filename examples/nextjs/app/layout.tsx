import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// No favicon file: an empty icon, so the browser asks for no /favicon.ico.
export const metadata: Metadata = { title: 'Example app (Next.js)', icons: { icon: 'data:,' } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
