import { Command } from 'commander';
import { ConfigError } from '../core/config.js';
import { ClientMetadataError } from '../core/clients/registration.js';
import { AccountError } from '../core/accounts/users.js';
import { CliError } from './output.js';
import { commanderError, namesItsCause, reportError } from './failure.js';
import { packageVersion } from './version.js';
import { serveCommand } from './serve-command.js';
import { clientCommands } from './client-commands.js';
import { userCommands } from './user-commands.js';
import { keyCommands } from './key-commands.js';
import { registrationCommands } from './registration-commands.js';
import { auditCommands } from './audit-commands.js';
import { AuditQueryError } from '../core/audit-query.js';
import { StoreUnavailableError } from '../store/postgres/open.js';
import { migrateCommand } from './migrate-command.js';
import { idpCommands } from './idp-commands.js';
import { apiCommands } from './api-commands.js';
import { ApiInputError } from '../core/apis/apis.js';
import { ApiNotFoundError } from '../core/admin/apis.js';
import { ProviderInputError } from '../core/federation/providers.js';
import { ProviderNotFoundError } from '../core/admin/identity-providers.js';
import { UserNotFoundError } from '../core/admin/users.js';
import { readSecretFiles } from './secret-files.js';
import { noteStoreChoice } from './store-options.js';
import { adminCommands } from './admin-commands.js';
import { groupCommands } from './group-commands.js';
import { roleCommands } from './role-commands.js';
import { AccessInputError, AccessNotFoundError } from '../core/access/access-input.js';
import { NotFoundError, StaleVersionError } from '../core/admin/errors.js';
import { ClientInputError } from '../core/admin/clients.js';
import { ClientChangedMeanwhile } from '../core/clients/change.js';
import { KeyInputError } from '../core/admin/keys.js';
import { RegistrationTokenInputError } from '../core/admin/registration-tokens.js';
import { doctorCommand } from './doctor/command.js';

// Before the commands are defined: their option defaults read the environment.
try {
  readSecretFiles();
} catch (e) {
  reportError((e as Error).message);
  process.exit(1);
}

const program = new Command('tessera').description('Tessera: an OAuth 2.1 and OpenID Connect authorization server');
program.version(packageVersion(), '-v, --version', 'print the version and exit');
// Before the commands are added: each copies these settings, so usage errors share the one prefix.
program.configureOutput({ outputError: (text) => commanderError(text) });
program.hook('preAction', (_program, action) => noteStoreChoice(action));
const serve = serveCommand(program);
clientCommands(program);
userCommands(program);
keyCommands(program);
registrationCommands(program);
auditCommands(program);
migrateCommand(program);
idpCommands(program);
apiCommands(program);
groupCommands(program);
roleCommands(program);
adminCommands(program);
doctorCommand(program, serve);

/**
 * Mistakes of the person at the keyboard, and failures that name their cause (a file, the store), get
 * one clear line; anything else is a fault and shows its stack too.
 */
const USER_ERRORS = [CliError, ConfigError, ClientMetadataError, AccountError, AuditQueryError, StoreUnavailableError, ProviderInputError, ProviderNotFoundError, ApiInputError, ApiNotFoundError, AccessInputError, AccessNotFoundError, UserNotFoundError,
  NotFoundError, StaleVersionError, ClientInputError, ClientChangedMeanwhile, KeyInputError, RegistrationTokenInputError];

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (USER_ERRORS.some((kind) => e instanceof kind) || namesItsCause(e)) {
    reportError((e as Error).message);
    process.exit(1);
  }
  // A fault: the same first line, then the stack to report it with.
  reportError(`unexpected failure: ${e instanceof Error ? e.message : String(e)} (a fault in Tessera; the stack follows)`);
  process.stderr.write(`${e instanceof Error ? e.stack : ''}\n`);
  process.exit(1);
}
