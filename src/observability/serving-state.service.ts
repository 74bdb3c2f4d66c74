/**
 * The instance's serving state as the code that serves sees it: whether it is draining or
 * closing, and the work in flight that a shutdown waits for. The lifecycle module (above every
 * server in the folder DAG) drives it and provides it under this token; HTTP tracking, the
 * socket interceptor and readiness only read it and count their work.
 */
export abstract class ServingState {
  /** Readiness answers 503 and responses carry `Connection: close`. */
  abstract get isDraining(): boolean;

  /** New socket events are refused; what is in flight still finishes. */
  abstract get isClosing(): boolean;

  /** Counts one piece of work until the returned function is called (calls after the first are no-ops). */
  abstract begin(): () => void;

  /** `listener` is told once, when draining starts. */
  abstract onDrain(listener: () => void): void;
}
