package io.persistenttimers.examples;

/** Ends a command with a message for the operator and an exit code (see {@link Main}). */
final class Failure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  static final int NOT_FOUND = 1;
  static final int BAD_ARGUMENTS = 2;

  final int exitCode;

  Failure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }
}
