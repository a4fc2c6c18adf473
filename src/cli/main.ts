import { Command, CommanderError } from 'commander';
import { exitCodes, CliError } from './gateway-client';
import { addKeysCommands } from './keys-command';
import { addSharesCommands } from './shares-command';
import { addSuppliersCommands } from './suppliers-command';
import { addTransfersCommands } from './transfers-command';

const program = new Command('sgw')
  .description('supplier-gateway command line: keys in the keys file; transfers and suppliers through the API at SGW_URL with the token in SGW_TOKEN; the shares log straight from PostgreSQL')
  .option('--json', 'print the answer as JSON, alone on stdout (messages go to stderr)')
  .configureHelp({ showGlobalOptions: true })
  // Commander's errors are thrown, not exited on, so that every usage error ends with the same exit code; the subcommands inherit this.
  .exitOverride();
addKeysCommands(program);
addTransfersCommands(program);
addSuppliersCommands(program);
addSharesCommands(program);

program.parseAsync().catch((error: Error) => {
  // Commander has already printed its message (or the help, asked for or not).
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  else {
    console.error(`sgw: ${error.message}`);
    process.exitCode = error instanceof CliError ? error.exitCode : exitCodes.refused;
  }
});
