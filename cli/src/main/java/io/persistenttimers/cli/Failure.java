package io.persistenttimers.cli;

/** Ends a command with a one-line message for the operator and an exit code (see {@link Pt}). */
final class Failure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  static final int NOT_FOUND = 1;
  static final int BAD_ARGUMENTS = 2;
  static final int STORE_FAILED = 3;
  static final int LAG_OVER_LIMIT = 4;

  final int exitCode;

  Failure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }
}
