package sops

import (
	"bytes"
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// ageIdentity is one parsed age identity and where it came from.
type ageIdentity struct {
	identity  age.Identity
	recipient string // public, safe to show
	source    string // "keys.age[0] line 3"
}

// pgpKey describes one parsed OpenPGP entity (public facts only).
type pgpKey struct {
	source      string
	fingerprint string
	usable      bool   // has an unprotected private key
	problem     string // why it is not usable
}

// keyRing is the parsed form of Keys for one decryption; it is never shared
// between calls.
type keyRing struct {
	age     []ageIdentity
	pgp     openpgp.EntityList // usable entities only
	pgpKeys []pgpKey
}

// parseKeys parses every key up front so that a malformed key is reported
// even when another key would open the file (as Flux fails on a bad key in
// the decryption Secret). Messages name the key by index, never its content.
func parseKeys(keys Keys) (*keyRing, error) {
	ring := &keyRing{}
	for i, text := range keys.Age {
		ids, err := parseAgeIdentities(text, fmt.Sprintf("keys.age[%d]", i))
		if err != nil {
			return nil, err
		}
		ring.age = append(ring.age, ids...)
	}
	for i, text := range keys.PGP {
		source := fmt.Sprintf("keys.pgp[%d]", i)
		entities, err := readPGPKeys([]byte(text))
		if err != nil || len(entities) == 0 {
			return nil, failf("%s (an *.asc entry of the decryption Secret) is not an OpenPGP private key: expected an ASCII-armored key as printed by `gpg --export-secret-keys --armor <fingerprint>`", source)
		}
		for _, e := range entities {
			k := pgpKey{source: source, fingerprint: fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)}
			switch {
			case !hasPrivateKey(e):
				k.problem = "holds only a public key"
			case isProtected(e):
				k.problem = "is passphrase-protected (Tide cannot enter a passphrase: export the key without one)"
			default:
				k.usable = true
				ring.pgp = append(ring.pgp, e)
			}
			ring.pgpKeys = append(ring.pgpKeys, k)
		}
	}
	return ring, nil
}

// parseAgeIdentities reads an age identity file: one identity per line,
// blank lines and # comments skipped. Native X25519 and hybrid post-quantum
// identities are accepted; plugin and SSH identities would need external
// programs or files and are refused.
func parseAgeIdentities(text, source string) ([]ageIdentity, error) {
	var out []ageIdentity
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s line %d", source, n+1)
		var (
			id        age.Identity
			recipient string
			err       error
		)
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-PQ-1"):
			var h *age.HybridIdentity
			if h, err = age.ParseHybridIdentity(line); err == nil {
				id, recipient = h, h.Recipient().String()
			}
		case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
			var x *age.X25519Identity
			if x, err = age.ParseX25519Identity(line); err == nil {
				id, recipient = x, x.Recipient().String()
			}
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			return nil, failf("%s (an *.agekey entry of the decryption Secret) is an age plugin identity; Tide does not run age plugins: use a native age key (age-keygen)", where)
		default:
			return nil, failf("%s (an *.agekey entry of the decryption Secret) is not an age secret key: expected AGE-SECRET-KEY-1… as printed by age-keygen, one per line", where)
		}
		if err != nil {
			return nil, failf("%s (an *.agekey entry of the decryption Secret) is a malformed age secret key (bad length or checksum); copy it again from the age-keygen output", where)
		}
		out = append(out, ageIdentity{identity: id, recipient: recipient, source: where})
	}
	return out, nil
}

// readPGPKeys reads every key block in text: several armored blocks may be
// concatenated, and a binary keyring is accepted as well.
func readPGPKeys(text []byte) (openpgp.EntityList, error) {
	const begin = "-----BEGIN PGP "
	if !bytes.Contains(text, []byte(begin)) {
		return openpgp.ReadKeyRing(bytes.NewReader(text))
	}
	var all openpgp.EntityList
	rest := text
	for {
		start := bytes.Index(rest, []byte(begin))
		if start < 0 {
			break
		}
		rest = rest[start:]
		next := bytes.Index(rest[len(begin):], []byte(begin))
		block := rest
		if next >= 0 {
			block = rest[:len(begin)+next]
		}
		rest = rest[len(block):]
		decoded, err := armor.Decode(bytes.NewReader(block))
		if err != nil {
			return nil, err
		}
		if decoded.Type != openpgp.PrivateKeyType && decoded.Type != openpgp.PublicKeyType {
			continue // e.g. a signature block
		}
		entities, err := openpgp.ReadKeyRing(decoded.Body)
		if err != nil {
			return nil, err
		}
		all = append(all, entities...)
	}
	return all, nil
}

func hasPrivateKey(e *openpgp.Entity) bool {
	if e.PrivateKey != nil {
		return true
	}
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil {
			return true
		}
	}
	return false
}

// isProtected reports a passphrase on any private key of the entity that
// could decrypt (the primary or an encryption subkey).
func isProtected(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted && !e.PrivateKey.Dummy() {
		return true
	}
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil && s.PrivateKey.Encrypted && !s.PrivateKey.Dummy() {
			return true
		}
	}
	return false
}
