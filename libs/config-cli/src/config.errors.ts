/** What can go wrong, by code: the CLI maps each to an exit status and a message, never a stack trace. */
export type ConfigErrorCode =
  /** The file is not YAML, or does not match the schema, or names things inconsistently. */
  | 'config_invalid'
  /** A ${env:…} or ${file:…} reference has no value. */
  | 'reference_unresolved'
  /** The file asks for something the API cannot do (a provider's type changed, an agent of an unknown provider). */
  | 'plan_impossible'
  /** The API refused a change or a read; `apiCode` is its error code. */
  | 'api_refused'
  /** The API could not be reached, or answered something that is not its contract. */
  | 'api_unreachable'
  /** SWITCHBOARD_URL or SWITCHBOARD_KEY missing or malformed. */
  | 'environment_invalid';

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where in the YAML file a problem is (1-based, as editors count). */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

export interface ConfigProblem {
  readonly path: string;
  readonly position: SourcePosition | null;
  readonly message: string;
}

export function invalidConfig(file: string, problems: readonly ConfigProblem[]): ConfigError {
  const byPosition = [...problems].sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0));
  const lines = byPosition.map((p) => `${file}:${p.position ? `${p.position.line}:${p.position.col}` : '?'}: ${p.path || '(document)'} ${p.message}`);
  return new ConfigError('config_invalid', `${file} is not a valid Switchboard configuration; nothing was applied`, lines);
}
