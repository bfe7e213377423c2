// Shared with the cross-package suites in test/, which run the same in-process server.
export * from '../../../../test/support/mcp-harness.js';
