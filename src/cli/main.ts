import { Command, Option } from 'commander';
import { createApiKey, roles, type ApiRole } from '../api/api-keys';
import { apiKeysFile } from '../config/env';

const program = new Command('sgw').description('supplier-gateway command line');

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('create an API key; prints its token once, as the last line')
  .requiredOption('--name <name>', 'who or what uses the key')
  .addOption(new Option('--role <role>', 'what the key may do').choices(roles).makeOptionMandatory())
  .action((options: { name: string; role: ApiRole }) => {
    const file = apiKeysFile();
    const { key, token } = createApiKey(file, options.name, options.role);
    console.log(`Created ${key.role} key "${key.name}" (id ${key.id}) in ${file}.`);
    console.log('The token is shown only this once; the file keeps only its hash:');
    console.log(token);
  });

program.parseAsync().catch((error: Error) => {
  console.error(`sgw: ${error.message}`);
  process.exitCode = 1;
});
