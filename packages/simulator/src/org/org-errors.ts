import { genericErrors, SimError } from '../sim-error.js';

/**
 * The Collector Management errors. Codes and messages from the docs' error tables where they
 * name one; the docs give a status but no code for the rest, which are marked "not documented"
 * and kept few so a client has little to special-case.
 */
export const orgErrors = {
  collectorNotFound: () => new SimError(404, 'InvalidCollector', 'The specified Collector ID is invalid.'),
  collectorIdMismatch: () =>
    new SimError(400, 'BadRequestCollectorId', 'Request body contains an invalid Collector ID.'),
  idOnCreate: () => new SimError(400, 'createValidationError', 'The specified ID is invalid.'),
  collectorTypeInvalid: () =>
    new SimError(400, 'InvalidCollectorType', 'Invalid Collector type for the requested operation.'),
  nameTooLong: () => new SimError(400, 'CollectorNameTooLong', 'Maximum name length is 128 characters.'),
  descriptionTooLong: () =>
    new SimError(400, 'CollectorDescriptionTooLong', 'Maximum description length is 1024 characters.'),
  duplicateName: () =>
    new SimError(400, 'DuplicateResourceName', 'A resource with the same name already exists.'),
  sourceIdMismatch: () =>
    new SimError(400, 'BadRequestBladeId', 'Request body contains an invalid Source ID.'),
  cannotModifySources: () =>
    new SimError(
      400,
      'CannotModifySources',
      'Collector is in JSON mode, user cannot create, delete, or update sources using the API.',
    ),
  emptySourceType: () => new SimError(400, 'EmptySourceType', 'Need to specify a source type.'),
  sourceTypeInvalid: () =>
    new SimError(400, 'InvalidSourceType', 'Invalid Source type for the requested operation.'),
  /** The generic 404: the source tables name no code for an unknown source. */
  sourceNotFound: genericErrors.notFound,
  /** Status from the getting-started doc; the code is the generic 403 one. */
  ifMatchMissing: () =>
    new SimError(403, 'forbidden', 'The If-Match header with the ETag of a previous GET is required.'),
  /** Status from the getting-started doc; code not documented. */
  etagStale: () =>
    new SimError(412, 'precondition.failed', 'The resource has changed since the ETag was issued.'),
  /** Not documented. */
  missingField: (field: string) => new SimError(400, 'MissingRequiredField', `Field '${field}' is required.`),
  /** Not documented: the docs only say not-modifiable fields "must match their current values". */
  notModifiable: (field: string) =>
    new SimError(
      400,
      'NotModifiableField',
      `Field '${field}' is not modifiable and must match its current value.`,
    ),
  /** Not documented: the upgrade doc's 400 "A parameter wasn't valid." */
  invalidParameter: (name: string, rule: string) =>
    new SimError(400, 'InvalidParameter', `Parameter '${name}' is invalid: ${rule}.`),
} as const;

/** The upgrade doc's 400 codes, word for word. */
export const upgradeErrors = {
  collectorInvalid: () =>
    new SimError(
      400,
      'collector.invalid',
      "The Collector ID was not provided, doesn't exist, or the user doesn't have permission to use it.",
    ),
  collectorTypeInvalid: () =>
    new SimError(
      400,
      'collector.type.invalid',
      'The Collector is not an Installed Collector (it is a Hosted Collector).',
    ),
  collectorNotAlive: () => new SimError(400, 'collector.not.alive', 'The Collector is not running.'),
  collectorInUpgrading: () =>
    new SimError(400, 'collector.in.upgrading', 'The Collector is currently being upgraded.'),
  versionInvalid: () =>
    new SimError(
      400,
      'collector.version.invalid',
      'The upgrade version was not provided, or the version is not valid.',
    ),
  /** Generic 404: the doc gives the status ("The upgrade task ID was not found.") but no code. */
  taskNotFound: () => new SimError(404, 'notfound', 'The upgrade task ID was not found.'),
} as const;
