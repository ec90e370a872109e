import { authenticate } from '../../shared/identity/token-verifier';
import { ensureUser } from '../../shared/identity/users.repository';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

/** `GET /api/me`: who the token says you are; creates the user row on first sign-in. */
export const meFunction = httpFunction({
  name: 'me',
  route: 'me',
  methods: ['GET'],
  handler: async (request) => {
    const { verifyToken, sql } = await services();
    const principal = await authenticate(request, verifyToken);
    const user = await ensureUser(sql.db, principal);
    return json(200, { ...principal, createdAt: user.createdAt }, { 'cache-control': 'no-store' });
  },
});
