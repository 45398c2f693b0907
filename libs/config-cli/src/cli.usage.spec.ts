import { parseCommandLine, UsageError } from './cli.usage.js';

describe('parseCommandLine', () => {
  it('reads each command and its options', () => {
    expect(parseCommandLine(['plan', '-f', 't.yaml'])).toEqual({ kind: 'plan', file: 't.yaml', prune: false, rotateCredentials: false, showWebhookSecrets: false });
    expect(parseCommandLine(['apply', '--file', 't.yaml', '--prune'])).toMatchObject({ kind: 'apply', prune: true });
    expect(parseCommandLine(['export', '-o', 'out.yaml'])).toEqual({ kind: 'export', output: 'out.yaml' });
    expect(parseCommandLine(['export'])).toEqual({ kind: 'export', output: null });
  });

  it('answers --help for the command and for each subcommand', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseCommandLine(['apply', '-h'])).toEqual({ kind: 'help', topic: 'apply' });
  });

  it('refuses arguments that make no command, with the usage of the command meant', () => {
    const cases: [string[], string, string][] = [
      [[], 'a command is needed', 'main'],
      [['destroy'], "unknown command 'destroy'", 'main'],
      [['plan'], 'plan needs -f', 'plan'],
      [['plan', '-f', 'a', 'b'], "unexpected argument 'b'", 'plan'],
      [['export', '--prune'], 'export takes no option --prune', 'export'],
      [['plan', '--show-webhook-secrets', '-f', 'a'], 'plan takes no option --show-webhook-secrets', 'plan'],
      [['apply', '--no-such-option'], '--no-such-option', 'apply'],
    ];
    for (const [argv, message, topic] of cases) {
      let error: unknown;
      try {
        parseCommandLine(argv);
      } catch (caught) {
        error = caught;
      }
      expect([argv, error instanceof UsageError, (error as UsageError).topic]).toEqual([argv, true, topic]);
      expect((error as Error).message).toContain(message);
    }
  });
});
