import { randomBytes, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const HOUR_MS = 60 * 60 * 1000;
const VALIDITY_MS = 7 * 24 * HOUR_MS;

/**
 * A throwaway CA and a server certificate it signs, valid for the loopback names clients use.
 * A CA (rather than a self-signed leaf) mirrors real deployments, where clients are handed a CA
 * bundle; Debian's GnuTLS-based git also insists on a proper CA:TRUE issuer.
 */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const crypto = webcrypto;
  // Backdated so small clock differences between processes do not make the cert "not yet valid".
  const notBefore = new Date(Date.now() - HOUR_MS);
  const notAfter = new Date(Date.now() + VALIDITY_MS);
  const caKeys = await generateKeys(crypto);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: 'CN=Tide test git server CA',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const serverKeys = await generateKeys(crypto);
  const serverCert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=127.0.0.1',
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: await serverExtensions(caKeys.publicKey),
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caCertPem: caCert.toString('pem'),
    certPem: serverCert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

async function serverExtensions(caPublicKey: webcrypto.CryptoKey): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'localhost' },
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caPublicKey, false, webcrypto),
  ];
}

function generateKeys(crypto: webcrypto.Crypto): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

/** Random positive 128-bit serial (a leading 0 nibble keeps the DER integer positive). */
function serialNumber(): string {
  return `0${randomBytes(16).toString('hex').slice(1)}`;
}
