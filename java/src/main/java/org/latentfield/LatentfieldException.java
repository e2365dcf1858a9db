package org.latentfield;

/**
 * A failure caused by the user's input or environment (a missing file, a file of the wrong
 * kind, a shape mismatch, an option out of range). Its message is one sentence that names the
 * input and says what was expected; the CLI prints it as it is and exits non-zero.
 */
public class LatentfieldException extends RuntimeException {
    public LatentfieldException(String message) {
        super(message);
    }

    public LatentfieldException(String message, Throwable cause) {
        super(message, cause);
    }
}
