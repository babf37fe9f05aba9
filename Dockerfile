# One image for both services: `node dist/apps/api/src/main.js` or `node dist/apps/worker/src/main.js`.
FROM node:24-bookworm-slim AS build
# the cosine kernel is native code (libs/analysis/native), built by node-gyp against the image's own Node headers
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production RESULTS_DIR=/data/results HF_HOME=/data/hf
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
