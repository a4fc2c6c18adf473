FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources (as `npm start` does), so it is a runtime dependency.
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY connectors ./connectors
COPY schemas ./schemas
COPY src ./src
COPY workers ./workers
COPY examples ./examples
COPY tsconfig.json ./
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "src/start.ts"]
