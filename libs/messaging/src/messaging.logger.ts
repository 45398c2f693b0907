import { createLogger, currentServiceName } from '@switchboard/telemetry';
import type { Logger } from '@switchboard/telemetry';

const loggers = new Map<string, Logger>();

/**
 * Created on first use, not at import, so the service name given to startTelemetry() (which runs after
 * modules are imported) is the one on every line.
 */
export function messagingLogger(component: string): Logger {
  let logger = loggers.get(component);
  if (!logger) {
    logger = createLogger(currentServiceName()).child({ component });
    loggers.set(component, logger);
  }
  return logger;
}
