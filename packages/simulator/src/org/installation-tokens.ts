import type { SimClock } from '../clock.js';
import { fleetErrors } from './fleet-errors.js';
import type { SimInstallationToken } from './fleet-model.js';
import { hexId } from './hex-id.js';

/** `TokenBaseDefinition` / `TokenBaseDefinitionUpdate`, already checked against the document. */
export interface TokenDefinition {
  name: string;
  description?: string;
  status: 'Active' | 'Inactive';
  type: 'CollectorRegistration';
  /** Update only: the version the caller last read. */
  version?: number;
}

const FIRST_TOKEN_ID = 0xa1b2c00;
const SYSTEM_USER_ID = hexId(0x6a5c7a2);

/** Installation (collector registration) tokens of the token library. */
export class SimInstallationTokens {
  readonly #clock: SimClock;
  readonly #tokens = new Map<string, SimInstallationToken>();
  #nextId = FIRST_TOKEN_ID;

  constructor(clock: SimClock) {
    this.#clock = clock;
  }

  list(): SimInstallationToken[] {
    return [...this.#tokens.values()].map((token) => ({ ...token }));
  }

  get(id: string): SimInstallationToken {
    return { ...this.#require(id) };
  }

  create(definition: TokenDefinition): SimInstallationToken {
    this.#requireUniqueName(definition.name, undefined);
    const now = new Date(this.#clock.now()).toISOString();
    const token: SimInstallationToken = {
      id: hexId(this.#nextId),
      name: definition.name,
      description: definition.description ?? '',
      status: definition.status,
      type: 'CollectorRegistrationTokenResponse',
      version: 0,
      createdAt: now,
      createdBy: SYSTEM_USER_ID,
      modifiedAt: now,
      modifiedBy: SYSTEM_USER_ID,
    };
    this.#nextId += 3;
    this.#tokens.set(token.id, token);
    return { ...token };
  }

  /** Optimistic locking by `version`, which the update schema requires. */
  update(id: string, definition: TokenDefinition): SimInstallationToken {
    const token = this.#require(id);
    if (definition.version !== token.version) throw fleetErrors.tokenVersionStale();
    this.#requireUniqueName(definition.name, id);
    Object.assign(token, {
      name: definition.name,
      description: definition.description ?? token.description,
      status: definition.status,
      version: token.version + 1,
      modifiedAt: new Date(this.#clock.now()).toISOString(),
      modifiedBy: SYSTEM_USER_ID,
    });
    return { ...token };
  }

  delete(id: string): void {
    this.#require(id);
    this.#tokens.delete(id);
  }

  #require(id: string): SimInstallationToken {
    const token = this.#tokens.get(id);
    if (!token) throw fleetErrors.tokenNotFound(id);
    return token;
  }

  #requireUniqueName(name: string, ownId: string | undefined): void {
    for (const token of this.#tokens.values()) {
      if (token.name === name && token.id !== ownId) throw fleetErrors.duplicateTokenName(name);
    }
  }
}
