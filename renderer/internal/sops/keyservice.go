package sops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"filippo.io/age"
	agearmor "filippo.io/age/armor"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/getsops/sops/v3/keyservice"
	"google.golang.org/grpc"
)

// maxDataKeySize bounds what an unwrapped data key may be (32 bytes, or a
// 33-byte Shamir share); anything longer is not a SOPS data key.
const maxDataKeySize = 1024

var (
	errNotSupported = errors.New("key type not supported by Tide")
	errNoAgeMatch   = errors.New("no given age identity matches")
	errNoPGPMatch   = errors.New("no given OpenPGP private key matches")
	errMalformedKey = errors.New("the encrypted data key is malformed")
	errEncryptOnly  = errors.New("tide-render only decrypts")
)

// keyService is an in-process SOPS key service client that unwraps data
// keys with the age identities and OpenPGP keys of one call. It never
// falls back to the environment, files, gpg or agents, and it refuses the
// cloud key types rather than reaching out to them.
type keyService struct {
	ctx  context.Context
	ring *keyRing

	mu       sync.Mutex
	outcomes []keyOutcome
}

// keyOutcome records one master key the service was asked to open.
type keyOutcome struct {
	keyType string
	err     error
}

func newKeyService(ctx context.Context, ring *keyRing) *keyService {
	return &keyService{ctx: ctx, ring: ring}
}

var _ keyservice.KeyServiceClient = (*keyService)(nil)

// Encrypt is not offered: Tide never writes SOPS files.
func (s *keyService) Encrypt(context.Context, *keyservice.EncryptRequest, ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errEncryptOnly
}

// Decrypt unwraps the data key (or Shamir share) of one master key.
func (s *keyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	// SOPS passes context.Background(); the call's own context is the one
	// that ends work on a cancelled request.
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	var (
		keyType   string
		plaintext []byte
		err       error
	)
	switch k := req.GetKey().GetKeyType().(type) {
	case *keyservice.Key_AgeKey:
		keyType = "age"
		plaintext, err = s.openAge(req.GetCiphertext())
	case *keyservice.Key_PgpKey:
		keyType = "pgp"
		plaintext, err = s.openPGP(req.GetCiphertext())
	default:
		keyType = fmt.Sprintf("%T", k)
		err = errNotSupported
	}
	s.mu.Lock()
	s.outcomes = append(s.outcomes, keyOutcome{keyType: keyType, err: err})
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plaintext}, nil
}

func (s *keyService) openAge(ciphertext []byte) ([]byte, error) {
	if len(s.ring.age) == 0 {
		return nil, errNoAgeMatch
	}
	ids := make([]age.Identity, len(s.ring.age))
	for i, id := range s.ring.age {
		ids[i] = id.identity
	}
	r, err := age.Decrypt(agearmor.NewReader(bytes.NewReader(ciphertext)), ids...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, errNoAgeMatch
		}
		return nil, errMalformedKey
	}
	return readDataKey(r)
}

func (s *keyService) openPGP(ciphertext []byte) ([]byte, error) {
	if len(s.ring.pgp) == 0 {
		return nil, errNoPGPMatch
	}
	block, err := pgparmor.Decode(bytes.NewReader(ciphertext))
	if err != nil {
		return nil, errMalformedKey
	}
	md, err := openpgp.ReadMessage(block.Body, s.ring.pgp, nil, nil)
	if err != nil {
		return nil, errNoPGPMatch
	}
	// A literal (unencrypted) message would hand over a data key nobody
	// sealed for us: require that one of our keys decrypted it.
	if !md.IsEncrypted || md.DecryptedWith.PrivateKey == nil {
		return nil, errMalformedKey
	}
	return readDataKey(md.UnverifiedBody)
}

// readDataKey reads an unwrapped data key to its end, which is where age and
// OpenPGP verify the ciphertext's integrity.
func readDataKey(r io.Reader) ([]byte, error) {
	key, err := io.ReadAll(io.LimitReader(r, maxDataKeySize+1))
	if err != nil || len(key) == 0 || len(key) > maxDataKeySize {
		return nil, errMalformedKey
	}
	return key, nil
}

// sawMalformedKey reports whether a key matched but its wrapped data key
// did not unwrap cleanly.
func (s *keyService) sawMalformedKey() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.outcomes {
		if errors.Is(o.err, errMalformedKey) {
			return true
		}
	}
	return false
}
