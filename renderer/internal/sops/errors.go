package sops

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	sopsapi "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/pgp"
)

// Key type identifiers of SOPS metadata, with the names users know.
var keyTypeNames = map[string]string{
	"age":      "age",
	"pgp":      "pgp",
	"kms":      "AWS KMS",
	"gcp_kms":  "GCP KMS",
	"azure_kv": "Azure Key Vault",
	"hc_vault": "HashiCorp Vault",
	"hckms":    "HuaweiCloud KMS",
}

var keyTypeOrder = []string{"age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"}

// noKeyError explains why no data key came out: what the file is encrypted
// for, what was given, and what Tide can use. It names recipients and
// fingerprints (public) and never a key or value.
func noKeyError(md sopsapi.Metadata, ring *keyRing, svc *keyService) error {
	offered := map[string][]string{}
	for _, group := range md.KeyGroups {
		for _, k := range group {
			id := k.TypeToIdentifier()
			switch k := k.(type) {
			case *age.MasterKey:
				offered[id] = append(offered[id], abbreviate(k.Recipient))
			case *pgp.MasterKey:
				offered[id] = append(offered[id], k.Fingerprint)
			default:
				offered[id] = append(offered[id], "")
			}
		}
	}

	var parts []string
	parts = append(parts, "cannot decrypt the SOPS data key: none of the given keys opens it")
	if len(md.KeyGroups) > 1 {
		parts = append(parts, fmt.Sprintf("the data key is split over %d key groups and keys for %d of them are needed", len(md.KeyGroups), md.ShamirThreshold))
	}
	parts = append(parts, "the file is encrypted for "+describeOffered(offered))
	parts = append(parts, "given: "+describeGiven(ring))
	if svc.sawMalformedKey() {
		parts = append(parts, "an encrypted data key in the file's sops metadata is malformed or was changed after encryption")
	}
	var unsupported []string
	for _, id := range keyTypeOrder[2:] {
		if len(offered[id]) > 0 {
			unsupported = append(unsupported, keyTypeNames[id])
		}
	}
	support := "Tide decrypts with age identities (*.agekey) and OpenPGP private keys (*.asc) only"
	if len(unsupported) > 0 {
		support += "; it does not use " + strings.Join(unsupported, ", ")
	}
	parts = append(parts, support)
	if len(offered["age"])+len(offered["pgp"]) > 0 {
		parts = append(parts, "add the private key of one of the file's age or pgp recipients to the decryption Secret, or re-encrypt the file for a key it holds (sops updatekeys)")
	} else {
		parts = append(parts, "add an age or pgp recipient whose private key is in the decryption Secret to the file (sops updatekeys, or sops rotate --add-age <recipient>)")
	}
	return failf("%s", strings.Join(parts, "; "))
}

func describeOffered(offered map[string][]string) string {
	var out []string
	for _, id := range keyTypeOrder {
		ids := offered[id]
		if len(ids) == 0 {
			continue
		}
		if id == "age" || id == "pgp" {
			out = append(out, fmt.Sprintf("%s (%s)", keyTypeNames[id], listSome(ids)))
		} else {
			out = append(out, fmt.Sprintf("%s (%s)", keyTypeNames[id], plural(len(ids), "key")))
		}
	}
	for id, ids := range offered {
		if _, known := keyTypeNames[id]; !known {
			out = append(out, fmt.Sprintf("%s (%s)", id, plural(len(ids), "key")))
		}
	}
	if len(out) == 0 {
		return "no keys at all"
	}
	return strings.Join(out, ", ")
}

func describeGiven(ring *keyRing) string {
	recipients := make([]string, len(ring.age))
	for i, id := range ring.age {
		recipients[i] = abbreviate(id.recipient)
	}
	ageText := plural(len(ring.age), "age identity")
	if len(recipients) == 1 {
		ageText += " (recipient " + recipients[0] + ")"
	} else if len(recipients) > 1 {
		ageText += " (recipients " + listSome(recipients) + ")"
	}
	var usable, unusable []string
	for _, k := range ring.pgpKeys {
		if k.usable {
			usable = append(usable, k.fingerprint)
		} else {
			unusable = append(unusable, fmt.Sprintf("%s %s %s", k.source, k.fingerprint, k.problem))
		}
	}
	pgpText := plural(len(usable), "usable OpenPGP private key")
	if len(usable) == 1 {
		pgpText += " (fingerprint " + usable[0] + ")"
	} else if len(usable) > 1 {
		pgpText += " (fingerprints " + listSome(usable) + ")"
	}
	text := ageText + ", " + pgpText
	if len(unusable) > 0 {
		text += "; unusable: " + strings.Join(unusable, ", ")
	}
	return text
}

func listSome(items []string) string {
	const most = 5
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:most], ", ") + fmt.Sprintf(" and %d more", len(items)-most)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// abbreviate shortens long (post-quantum) age recipients for messages.
func abbreviate(recipient string) string {
	if len(recipient) <= 80 {
		return recipient
	}
	return recipient[:24] + "…" + recipient[len(recipient)-8:]
}

// errValue is what pathCipher hands SOPS instead of the AES error, whose
// text can quote the value (a plaintext that was pasted over ENC[…], or a
// decrypted value that does not parse as its type tag).
var errValue = errors.New("tide: value decryption failed")

// pathCipher wraps the SOPS AES cipher to remember which value failed
// (by key path, never by content) and why.
type pathCipher struct {
	inner interface {
		Encrypt(plaintext interface{}, key []byte, additionalData string) (string, error)
		Decrypt(ciphertext string, key []byte, additionalData string) (interface{}, error)
	}
	failedPath string
	reason     string
}

func (c *pathCipher) Encrypt(plaintext interface{}, key []byte, additionalData string) (string, error) {
	return c.inner.Encrypt(plaintext, key, additionalData)
}

func (c *pathCipher) Decrypt(ciphertext string, key []byte, additionalData string) (interface{}, error) {
	v, err := c.inner.Decrypt(ciphertext, key, additionalData)
	if err == nil {
		return v, nil
	}
	// SOPS skips comments that fail to decrypt and stops at the first value
	// that does, so the last failure recorded is the one that counts.
	c.failedPath = strings.TrimSuffix(additionalData, ":")
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "Could not decrypt with AES_GCM"):
		c.reason = "does not decrypt with the file's data key: the value or its key path was changed after encryption"
	case strings.HasPrefix(msg, "Input string"):
		c.reason = "is not an encrypted value (ENC[AES256_GCM,…]); it was probably edited without sops"
	case strings.HasPrefix(msg, "Unknown datatype"):
		c.reason = "has an unknown type tag in its ENC[…] value"
	case strings.HasPrefix(msg, "Error base64-decoding"):
		c.reason = "has a corrupt ENC[…] value (bad base64)"
	default:
		c.reason = "does not match the type tag of its ENC[…] value, or the value is corrupt"
	}
	return nil, errValue
}

// treeError reports a failed tree decryption by key path and cause.
func treeError(format string, c *pathCipher, err error) error {
	if strings.Contains(err.Error(), errValue.Error()) && c.reason != "" {
		return failf("the value at key path %q of the SOPS %s document %s; restore it or re-encrypt the file with sops", c.failedPath, format, c.reason)
	}
	if strings.Contains(err.Error(), "Expected encrypted value as string") {
		return failf("a value of the SOPS %s document that should be encrypted is not a string (it was probably edited without sops); re-encrypt the file with sops", format)
	}
	return failf("cannot decrypt the values of the SOPS %s document (its tree has an unexpected shape); re-encrypt the file with sops", format)
}

var lineNumber = regexp.MustCompile(`\bline (\d+)\b`)

// position extracts where a parser failed, without the parser's words,
// which may quote the input.
func position(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf(" (at byte %d)", syntax.Offset)
	}
	if m := lineNumber.FindStringSubmatch(err.Error()); m != nil {
		return " (near line " + m[1] + ")"
	}
	return ""
}
