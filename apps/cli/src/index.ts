export {
  buildCommands,
  type CommandSpec,
  FLAG_ALIASES,
  findCommand,
  kebabCase,
  VERB_ALIASES,
  verbFor,
} from './commands.js';
export { bashCompletion, zshCompletion } from './completion.js';
export { EXIT } from './exit.js';
export { fieldFlags, parseCommandArgs, UsageError } from './flags.js';
export { type Io, main } from './run.js';
