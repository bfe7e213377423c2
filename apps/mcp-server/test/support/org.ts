// Shared with the cross-package suites in test/.
export {
  callsTo,
  hostedCollector,
  latestVersion,
  takeOffline,
  workhorse,
} from '../../../../test/support/seeded-org.js';
