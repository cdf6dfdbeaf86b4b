# Portico: one stateless gateway process. Scale out by running several behind a load balancer, sharing
# PostgreSQL (PORTICO_DATABASE_URL) and Redis (PORTICO_REDIS_URL); see docs/scale-out.md.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORTICO_HOST=0.0.0.0 PORTICO_PORT=8787
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:8787/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The compiled gateway (dist/server), source maps on for stack traces; no TypeScript loader.
CMD ["node", "--enable-source-maps", "dist/server/main.js", "start"]
