/**
 * What the authorizer needs from storage. Domain code depends on this, never
 * on the AWS SDK; `dynamo-credential-store.ts` is the DynamoDB adapter.
 */
import type { ParsedToken } from '../core/token';

export interface UserState {
  readonly kind: 'human' | 'bot';
  readonly admin: boolean;
  readonly disabled: boolean;
  /** bumped by every password change (absent = 0) */
  readonly credentialsEpoch: number;
}

export interface CredentialState {
  readonly secretHash: string;
  /** keys only: the permissions fixed at creation */
  readonly permissions?: readonly string[];
  /** epoch milliseconds */
  readonly expiresAt?: number;
  /** epoch milliseconds */
  readonly revokedAt?: number;
  /** epoch milliseconds; keys only */
  readonly lastUsedAt?: number;
  /** keys only: the API client the key was issued through */
  readonly clientId?: string;
  /** sessions only: the owner's credentials epoch when it was made (absent = 0) */
  readonly credentialsEpoch?: number;
}

/** A credential and its owner, read together in one round trip. Either may be missing. */
export interface CredentialLookup {
  readonly credential?: CredentialState;
  readonly user?: UserState;
}

export interface CredentialStore {
  /** One round trip. Throws when the store cannot answer; the caller fails closed. */
  lookup(token: ParsedToken): Promise<CredentialLookup>;
  /**
   * Records that a key was used at `at`, unless it was already recorded after
   * `notBefore`. Bookkeeping only: callers ignore its failures.
   */
  touchKey(userId: string, keyId: string, at: number, notBefore: number): Promise<void>;
}

/** A store that could not answer. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
