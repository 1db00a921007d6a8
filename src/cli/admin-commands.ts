import type { Command } from 'commander';
import { adminConfigPath, checkedServerUrl, readAdminLogin, removeAdminLogin, writeAdminLogin, type AdminLogin } from './remote/admin-config.js';
import { ADMIN_SCOPE, obtainAdminToken } from './remote/admin-http.js';
import { readSecretFromStdin } from './stdin.js';
import { CliError, print } from './output.js';

/** `tessera admin login|logout|status`: the CLI as a client of a running server's admin API. */
export function adminCommands(program: Command): void {
  const admin = program.command('admin').description("manage a running server through its admin API instead of opening the store");

  admin
    .command('login')
    .description('check a client with the tessera:admin (or tessera:admin:read) scope, then save the login: commands without --data/--database-url go to that server')
    .requiredOption('--url <url>', "the server's URL (its issuer), e.g. https://id.example.com")
    .requiredOption('--client-id <id>', 'a client with the client_credentials grant and the tessera:admin or tessera:admin:read scope')
    .option('--client-secret-stdin', 'read the client secret from standard input')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: { url: string; clientId: string; clientSecretStdin?: boolean; json?: boolean }) => {
      if (!flags.clientSecretStdin) throw new CliError('--client-secret-stdin is required: pipe the client secret in');
      const secret = await readSecretFromStdin('--client-secret-stdin');
      if (secret === '') throw new CliError('the client secret on standard input is empty');
      const login: AdminLogin = { url: checkedServerUrl(flags.url), client_id: flags.clientId, client_secret: secret };
      const token = await obtainAdminToken(login);
      const path = adminConfigPath();
      writeAdminLogin(login, path);
      const access = token.scope.split(' ').includes(ADMIN_SCOPE) ? 'read-write' : 'read-only';
      print({ server: login.url, client_id: login.client_id, access, saved: path }, flags.json === true);
    });

  admin
    .command('logout')
    .description('forget the saved login (commands use a store again)')
    .option('--json', 'print JSON for scripts')
    .action((flags: { json?: boolean }) => {
      const path = adminConfigPath();
      print({ removed: removeAdminLogin(path) ? path : null }, flags.json === true);
    });

  admin
    .command('status')
    .description('say where commands go: a running server (the saved login) or a store')
    .option('--check', 'also get a token, to see that the login still works')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: { check?: boolean; json?: boolean }) => {
      const path = adminConfigPath();
      const login = readAdminLogin(path);
      if (!login) {
        print({ mode: 'local', config: path, note: 'no admin login: commands open the store named by --data/--database-url (or ./data)' }, flags.json === true);
        return;
      }
      const status: Record<string, unknown> = { mode: 'remote', server: login.url, client_id: login.client_id, config: path, note: 'commands without --data/--database-url go to this server' };
      if (flags.check) {
        const token = await obtainAdminToken(login);
        status['access'] = token.scope.split(' ').includes(ADMIN_SCOPE) ? 'read-write' : 'read-only';
      }
      print(status, flags.json === true);
    });
}
