// Package sops decrypts SOPS documents for tide-render with the upstream
// SOPS engine (stores, AES-GCM cipher, tree walk, MAC check) and an
// in-process key service that holds the age and OpenPGP keys in memory.
//
// Nothing here reads environment variables, key files, GnuPG homes or
// agents, and nothing reaches a KMS: the only keys are the ones passed in.
// Errors never carry a plaintext value or key material; callers prefix them
// with the file or object they were decrypting.
package sops

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	sopsapi "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/logging"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Keys are the private keys of one decryption: the *.agekey and *.asc
// entries of a decryption Secret.
type Keys struct {
	// Age holds age identity files: one AGE-SECRET-KEY-1… (or
	// AGE-SECRET-KEY-PQ-1…) per line; blank lines and # comments are skipped.
	Age []string `json:"age,omitempty"`
	// PGP holds OpenPGP private keys, ASCII-armored (binary is accepted too),
	// without a passphrase.
	PGP []string `json:"pgp,omitempty"`
}

// The formats SOPS knows, by their names on the wire.
const (
	FormatYAML   = "yaml"
	FormatJSON   = "json"
	FormatDotenv = "dotenv"
	FormatINI    = "ini"
	FormatBinary = "binary"
)

// maxEncryptedSize caps one encrypted document, as Flux's decryptor does.
const maxEncryptedSize = 5 << 20

var storeFormats = map[string]formats.Format{
	FormatYAML:   formats.Yaml,
	FormatJSON:   formats.Json,
	FormatDotenv: formats.Dotenv,
	FormatINI:    formats.Ini,
	FormatBinary: formats.Binary,
}

func init() {
	// The SOPS loggers print to stderr; some lines quote document content
	// (e.g. a comment that failed to decrypt). Tide's stderr must carry no
	// document data, so they are muted for the whole process.
	for _, l := range logging.Loggers {
		l.SetOutput(io.Discard)
	}
}

// FormatFromPath returns the SOPS format of a file by its name, as the sops
// CLI picks it: .yaml/.yml, .json, .env, .ini, anything else binary.
func FormatFromPath(path string) string {
	switch formats.FormatForPath(path) {
	case formats.Yaml:
		return FormatYAML
	case formats.Json:
		return FormatJSON
	case formats.Dotenv:
		return FormatDotenv
	case formats.Ini:
		return FormatINI
	default:
		return FormatBinary
	}
}

// IsEncrypted reports whether data, read as format, carries SOPS metadata:
// a top-level "sops" key (yaml, json, binary), sops_* entries (dotenv) or a
// [sops] section (ini). Unparsable data and unknown formats are not
// encrypted.
func IsEncrypted(data []byte, format string) (encrypted bool) {
	f, ok := storeFormats[format]
	if !ok || len(data) > maxEncryptedSize {
		return false
	}
	// dotenv and ini keep keys verbatim, so a cheap scan settles most
	// files; YAML and JSON keys may be escaped and need the parser.
	if (f == formats.Dotenv || f == formats.Ini) && !bytes.Contains(data, []byte("sops")) {
		return false
	}
	defer func() {
		if recover() != nil {
			encrypted = false
		}
	}()
	if f == formats.Binary {
		// An encrypted binary file is a JSON document.
		f = formats.Json
	}
	store := common.StoreForFormat(f, config.NewStoresConfig())
	branches, err := store.LoadPlainFile(data)
	if err != nil || len(branches) == 0 {
		return false
	}
	return store.HasSopsTopLevelKey(branches[0])
}

// Options adjust one decryption.
type Options struct {
	// IgnoreMAC skips the integrity check of the whole document (the MAC
	// over all values, bound to lastmodified). Every encrypted value is still
	// authenticated by AES-GCM with its key path, so a value cannot be
	// altered or moved, but removed entries, changed unencrypted values and
	// changed metadata go unnoticed. Use it only for a document that was
	// legitimately rewritten after encryption (an object after a kustomize
	// build, as Flux decrypts them); a file read as written must be checked.
	IgnoreMAC bool
	// OutputFormat is the format the plaintext is written in; empty means
	// the input format (what sops --decrypt prints).
	OutputFormat string
}

// Decrypt decrypts a SOPS document of the given format with keys and returns
// exactly what `sops --decrypt` prints for it, after checking its MAC.
// Errors are *protocol.Error with CodeDecryptionFailed (CodeInvalidRequest
// for an unknown format).
func Decrypt(data []byte, format string, keys Keys) ([]byte, error) {
	return DecryptWithOptions(context.Background(), data, format, keys, Options{})
}

// DecryptContext is Decrypt that stops trying keys once ctx is done.
func DecryptContext(ctx context.Context, data []byte, format string, keys Keys) ([]byte, error) {
	return DecryptWithOptions(ctx, data, format, keys, Options{})
}

// DecryptWithOptions is DecryptContext adjusted by opts.
func DecryptWithOptions(ctx context.Context, data []byte, format string, keys Keys, opts Options) (out []byte, err error) {
	f, ok := storeFormats[format]
	if !ok {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest,
			"unknown SOPS format %q: use yaml, json, dotenv, ini or binary", format)
	}
	outFormat, outF := format, f
	if opts.OutputFormat != "" {
		if outF, ok = storeFormats[opts.OutputFormat]; !ok {
			return nil, protocol.Errorf(protocol.CodeInvalidRequest,
				"unknown SOPS output format %q: use yaml, json, dotenv, ini or binary", opts.OutputFormat)
		}
		outFormat = opts.OutputFormat
	}
	if len(data) > maxEncryptedSize {
		return nil, failf("the SOPS %s document is %d bytes, over the %d MiB limit for encrypted files; split it", format, len(data), maxEncryptedSize>>20)
	}
	defer func() {
		// A panic message could quote document content: report none of it.
		if recover() != nil {
			out, err = nil, failf("the SOPS engine failed on this %s document (recovered from a panic); check that it is a well-formed SOPS file and re-encrypt it with sops", format)
		}
	}()

	ring, err := parseKeys(keys)
	if err != nil {
		return nil, err
	}
	store := common.StoreForFormat(f, config.NewStoresConfig())
	tree, err := loadTree(store, data, format)
	if err != nil {
		return nil, err
	}

	svc := newKeyService(ctx, ring)
	dataKey, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{svc}, sopsapi.DefaultDecryptionOrder)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, protocol.Errorf(protocol.CodeTimeout, "SOPS decryption of the %s document stopped: %v", format, ctxErr)
		}
		return nil, noKeyError(tree.Metadata, ring, svc)
	}

	cipher := &pathCipher{inner: aes.NewCipher()}
	computedMAC, err := tree.Decrypt(dataKey, cipher)
	if err != nil {
		return nil, treeError(format, cipher, err)
	}
	if !opts.IgnoreMAC {
		if err := checkMAC(tree.Metadata, dataKey, computedMAC); err != nil {
			return nil, err
		}
	}

	outStore := store
	if outF != f {
		outStore = common.StoreForFormat(outF, config.NewStoresConfig())
	}
	out, err = outStore.EmitPlainFile(tree.Branches)
	if err != nil {
		switch {
		case outF != f && outF == formats.Binary:
			return nil, failf("the decrypted %s document cannot be written as binary: it has no string 'data' key; give it a name whose extension is its format (.yaml, .json, .env, .ini)", format)
		case outF != f:
			return nil, failf("the decrypted %s document cannot be written as %s (the SOPS engine rejected its tree); give it a name whose extension is its format", format, outFormat)
		case f == formats.Binary:
			return nil, failf("the decrypted document has no binary payload (no string 'data' key): it is not an encrypted binary file; decrypt it with the format of the original file (yaml, json, dotenv or ini)")
		}
		return nil, failf("cannot write the decrypted %s document (the SOPS engine rejected its decrypted tree); re-encrypt the file with sops", format)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// loadTree parses an encrypted document. Parser messages can quote input
// lines, so only their position survives; metadata messages are kept.
func loadTree(store common.Store, data []byte, format string) (*sopsapi.Tree, error) {
	tree, err := store.LoadEncryptedFile(data)
	if err == nil {
		return &tree, nil
	}
	if errors.Is(err, sopsapi.MetadataNotFound) {
		return nil, failf("the %s document has no SOPS metadata (%s): it is not SOPS-encrypted, or it is not %s; encrypt it with sops or fix the format", format, metadataHint(format), format)
	}
	if _, plainErr := store.LoadPlainFile(data); plainErr != nil {
		return nil, failf("the SOPS %s document cannot be parsed%s; fix the file or re-encrypt it with sops", format, position(plainErr))
	}
	return nil, failf("the SOPS metadata of the %s document is invalid: %s; re-encrypt the file with sops", format, err.Error())
}

func metadataHint(format string) string {
	switch format {
	case FormatDotenv:
		return "no sops_* entries"
	case FormatINI:
		return "no [sops] section"
	default:
		return "no top-level \"sops\" key"
	}
}

// checkMAC compares the MAC SOPS computed over the decrypted tree with the
// one stored (encrypted, bound to lastmodified) in the metadata.
func checkMAC(md sopsapi.Metadata, dataKey []byte, computed string) error {
	stored, err := aes.NewCipher().Decrypt(md.MessageAuthenticationCode, dataKey, md.LastModified.Format(time.RFC3339))
	if err != nil || stored != computed {
		return failf("MAC mismatch: the SOPS document's message authentication code does not match its content, so values, keys or metadata (such as lastmodified or mac) were changed after encryption; restore the file or re-encrypt it with sops")
	}
	return nil
}

func failf(format string, args ...any) *protocol.Error {
	return protocol.Errorf(protocol.CodeDecryptionFailed, format, args...)
}
