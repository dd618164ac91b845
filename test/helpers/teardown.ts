/** The part of tap's Test that helpers need: registering cleanup, so helpers need not import tap. */
export interface Teardown { teardown (fn: () => unknown): void }
