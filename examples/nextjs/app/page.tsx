import { FerndeskIdentify } from './ferndesk-identify';

export default function Home() {
  return (
    <main>
      <h1>Example app (Next.js)</h1>
      <FerndeskIdentify />
    </main>
  );
}
