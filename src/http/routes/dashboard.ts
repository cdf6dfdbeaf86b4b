/**
 * The dashboard (issue 8): session guard, sign-in, the built SPA under `/dashboard`, the admin console
 * endpoints and the customer API. One registration from `buildApp`.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { registerSessionGuard } from '../session-guard.ts';
import { SessionStore, type SessionTimeouts } from '../session-store.ts';
import { SignInLimiter, type SignInLimits } from '../sign-in-limiter.ts';
import { registerAccountRoutes } from './account.ts';
import { registerAdminConsoleRoutes } from './admin-console.ts';
import { registerDashboardSessionRoutes } from './dashboard-session.ts';
import { DASHBOARD_DIST, registerDashboardStatic } from './dashboard-static.ts';

export interface DashboardOptions {
  sessions?: Partial<SessionTimeouts>;
  signIn?: Partial<SignInLimits>;
  distDir?: string;
}

export function registerDashboard(
  app: FastifyInstance,
  services: Services,
  options: DashboardOptions = {},
): void {
  const sessions = new SessionStore(options.sessions);
  const limiter = new SignInLimiter(options.signIn);
  registerSessionGuard(app, services, sessions);
  registerDashboardSessionRoutes(app, services, sessions, limiter);
  registerDashboardStatic(app, options.distDir ?? DASHBOARD_DIST);
  registerAdminConsoleRoutes(app, services, sessions);
  registerAccountRoutes(app, services, sessions);
}
