import { Option, type Command } from 'commander';
import { createApiKey, readKeys, revokeApiKey, roles, type ApiKey, type ApiRole } from '../api/api-keys';
import { apiKeysFile } from '../config/env';
import { printJson, printTable, shortTime, wantsJson } from './output';

/** A key as the CLI shows it: never its token hash. */
const withoutHash = ({ id, name, role, createdAt }: ApiKey) => ({ id, name, role, createdAt });

/** `sgw keys …` work on the keys file itself, which a running server re-reads when it changes (DESIGN §4). */
export function addKeysCommands(program: Command): void {
  const keys = program.command('keys').description('API keys, in the keys file (SGW_API_KEYS_FILE)');

  keys
    .command('create')
    .description('create an API key; prints its token once, as the last line')
    .requiredOption('--name <name>', 'who or what uses the key')
    .addOption(new Option('--role <role>', 'what the key may do').choices(roles).makeOptionMandatory())
    .action((options: { name: string; role: ApiRole }, command: Command) => {
      const file = apiKeysFile();
      const { key, token } = createApiKey(file, options.name, options.role);
      if (wantsJson(command)) return printJson({ ...withoutHash(key), token });
      console.log(`Created ${key.role} key "${key.name}" (id ${key.id}) in ${file}.`);
      console.log('The token is shown only this once; the file keeps only its hash:');
      console.log(token);
    });

  keys
    .command('list')
    .description('the keys in the file: id, name, role, created')
    .action((_options: object, command: Command) => {
      const file = apiKeysFile();
      const items = readKeys(file).map(withoutHash);
      if (wantsJson(command)) printJson({ items });
      else if (items.length === 0) console.error(`No keys in ${file}.`);
      else printTable(['ID', 'NAME', 'ROLE', 'CREATED'], items.map((key) => [key.id, key.name, key.role, shortTime(key.createdAt)]));
    });

  keys
    .command('revoke')
    .description('remove a key; a running gateway refuses its token within about a second')
    .argument('<id-or-name>', "the key's id, or its name when no other key has that name")
    .action((idOrName: string, _options: object, command: Command) => {
      const file = apiKeysFile();
      const key = revokeApiKey(file, idOrName);
      if (wantsJson(command)) printJson(withoutHash(key));
      else console.log(`Revoked ${key.role} key "${key.name}" (id ${key.id}) from ${file}.`);
    });
}
