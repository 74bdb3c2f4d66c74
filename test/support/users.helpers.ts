import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.fixture';

export interface TestUser {
  id: number;
  username: string;
  display_name: string;
  password: string;
  access_token: string;
  refresh_token: string;
  auth: { Authorization: string };
}

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Registers a user with a unique username and returns it with its tokens. */
export function registerUser(t: TestApp, prefix = 'user', displayName?: string): Promise<TestUser> {
  return registerNamed(t, uniqueUsername(prefix), displayName);
}

/** Registers a user with this username (one named in configuration, e.g. MODERATOR_USERNAMES). */
export async function registerNamed(t: TestApp, username: string, displayName?: string): Promise<TestUser> {
  const password = 'correct horse battery';
  const res = await t
    .http()
    .post('/api/v1/auth/register')
    .send({ username, password, ...(displayName ? { display_name: displayName } : {}) })
    .expect(201);
  const body = res.body as {
    user: { id: number; username: string; display_name: string };
    access_token: string;
    refresh_token: string;
  };
  return {
    ...body.user,
    password,
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    auth: { Authorization: `Bearer ${body.access_token}` },
  };
}
