import * as z from 'zod';
import { roles } from '../../shared/identity/principal';
import { AppError } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJsonWith } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

const tokenRequestSchema = z.object({
  sub: z
    .string()
    .regex(/^[\w.@-]{1,64}$/, 'sub must be 1-64 letters, digits, or . _ @ -')
    .optional(),
  email: z.email('email must be an email address').optional(),
  name: z.string().min(1).max(100).optional(),
  roles: z.array(z.enum(roles)).max(3).default(['shopper']),
  expiresIn: z.number().int().min(-3600).max(86_400).optional(),
});

/** Dev-only: issues a signed token from the local issuer. Never registered in Azure. */
export const devTokenFunction = httpFunction({
  name: 'dev-token',
  route: 'dev/token',
  methods: ['POST'],
  localOnly: true,
  handler: async (request) => {
    const { localIssuer } = await services();
    if (!localIssuer) throw new AppError(404, 'not_found', 'The local issuer is not enabled here.');
    const input = await readJsonWith(request, tokenRequestSchema);
    const email = input.email ?? `${input.sub ?? 'shopper'}@example.test`;
    const sub = input.sub ?? email.split('@')[0]!.replace(/[^\w.-]/g, '') ?? 'shopper';
    const { token, expiresIn } = await localIssuer.issue({
      sub,
      email,
      name: input.name ?? sub,
      roles: input.roles,
      expiresIn: input.expiresIn,
    });
    return json(
      200,
      { access_token: token, token_type: 'Bearer', expires_in: expiresIn },
      { 'cache-control': 'no-store' },
    );
  },
});

export const devJwksFunction = httpFunction({
  name: 'dev-jwks',
  route: 'dev/jwks',
  methods: ['GET'],
  localOnly: true,
  handler: async () => {
    const { localIssuer } = await services();
    if (!localIssuer) throw new AppError(404, 'not_found', 'The local issuer is not enabled here.');
    return json(200, localIssuer.jwks, { 'cache-control': 'public, max-age=300' });
  },
});
