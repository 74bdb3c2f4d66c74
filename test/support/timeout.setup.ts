// Integration and e2e tests start servers, processes and databases: 30 s each rather than Jest's
// 5 s. (A project's `testTimeout` in jest.config.js is ignored: Jest reads only the global one.)
jest.setTimeout(30_000);
