import { type Key, type PrivateKey, createMessage, decryptKey, encrypt, readKey, readPrivateKey } from 'openpgp';
import { SupplierContractError } from '../../src/connector-kit';

/** What the share record says of a sealed file: the scheme and both keys' fingerprints (lower-case hex). */
export interface Encryption {
  scheme: 'openpgp';
  recipientKeyFingerprint: string;
  signingKeyFingerprint: string;
}

export interface SealedFile {
  bytes: Buffer;
  encryption: Encryption;
}

interface Keys {
  recipient: Key;
  signing: PrivateKey;
}

/**
 * Encrypts a document to the supplier's public key and signs it with the gateway's key, as one binary
 * OpenPGP message. The keys are parsed and the signing key unlocked once, on first use (openpgp is
 * asynchronous and `create()` is not); a key that does not parse or unlock is a SupplierContractError
 * from `check()` and from every delivery, permanent until the config is fixed.
 */
export class OpenPgpSealer {
  private keys: Promise<Keys> | undefined;

  constructor(
    private readonly armored: { recipient: string; signing: string },
    private readonly passphrase: string | undefined,
  ) {}

  /** The recipient key can encrypt now (not expired, not revoked, has an encryption subkey). */
  async check(): Promise<void> {
    const { recipient } = await this.loaded();
    await recipient.getEncryptionKey().catch(() => {
      throw new SupplierContractError('recipient_key_unusable', 'the supplier key cannot encrypt now (expired, revoked or without an encryption subkey)');
    });
  }

  async seal(document: Buffer): Promise<SealedFile> {
    const { recipient, signing } = await this.loaded();
    await this.check();
    const message = await createMessage({ binary: document, format: 'binary' });
    const sealed = await encrypt({ message, encryptionKeys: recipient, signingKeys: signing, format: 'binary' });
    return {
      bytes: Buffer.from(sealed),
      encryption: { scheme: 'openpgp', recipientKeyFingerprint: recipient.getFingerprint(), signingKeyFingerprint: signing.getFingerprint() },
    };
  }

  private loaded(): Promise<Keys> {
    this.keys ??= this.load();
    return this.keys;
  }

  private async load(): Promise<Keys> {
    const recipient = await readKey({ armoredKey: this.armored.recipient }).catch(() => {
      throw new SupplierContractError('recipient_key_unreadable', 'the supplier key file holds no readable OpenPGP public key');
    });
    const locked = await readPrivateKey({ armoredKey: this.armored.signing }).catch(() => {
      throw new SupplierContractError('signing_key_unreadable', 'the signing key file holds no readable OpenPGP private key');
    });
    if (locked.isDecrypted()) return { recipient, signing: locked };
    const signing = await decryptKey({ privateKey: locked, passphrase: this.passphrase ?? '' }).catch(() => {
      throw new SupplierContractError('signing_key_locked', 'the signing key does not unlock with the configured passphrase');
    });
    return { recipient, signing };
  }
}
