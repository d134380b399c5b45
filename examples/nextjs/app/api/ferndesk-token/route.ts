// The token endpoint: signs the signed-in user's Ferndesk token on the Edge runtime. jose, not
// jsonwebtoken: jsonwebtoken needs Node's crypto module, which the Edge runtime does not have,
// while jose uses Web Crypto, which every runtime has.
import { SignJWT } from 'jose';

export const runtime = 'edge';

interface User {
  id: string;
  email: string;
  name: string;
}

// Stands in for the app's own login (a session cookie, NextAuth's auth(), ...): every visitor is
// this user. The id must be a string: with a number, identify fails with "sub must be a string".
function signedInUser(): User | null {
  return {
    id: process.env.EXAMPLE_USER_ID || 'user-11',
    email: process.env.EXAMPLE_USER_EMAIL || 'katherine@example.com',
    name: process.env.EXAMPLE_USER_NAME || 'Katherine Johnson',
  };
}

export async function GET(): Promise<Response> {
  const user = signedInUser();
  if (!user) return Response.json({ error: 'Not authenticated' }, { status: 401 });
  const secret = process.env.FERNDESK_JWT_SECRET;
  if (!secret) {
    return Response.json({ error: 'FERNDESK_JWT_SECRET is not set' }, { status: 500 });
  }
  const jwt = await new SignJWT({ email: user.email, name: user.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
  // A token is per user and short-lived: no cache may keep it.
  return new Response(jwt, {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
