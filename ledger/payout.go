package ledger

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/humop/humop/fault"
)

// A payout sends part of an operator's available balance to their wallet as
// USDC on Base. NewPayout checks the request and returns the payout
// PENDING_ONCHAIN; the caller appends its PayoutDebit entry in the same
// transaction, so the amount leaves the available balance at once. When the
// transfer settles, the payout moves along this table and no other way:
//
//	from             to         move     then
//	PENDING_ONCHAIN  CONFIRMED  Confirm  with the transaction hash
//	PENDING_ONCHAIN  FAILED     Fail     with a reason; append PayoutReversal
//
// CONFIRMED and FAILED are final. The moves are pure: they return a changed
// copy and never change their receiver.

// PayoutStatus is where a payout stands.
type PayoutStatus string

// The statuses of a payout.
const (
	PayoutPending   PayoutStatus = "PENDING_ONCHAIN" // sent; not settled yet
	PayoutConfirmed PayoutStatus = "CONFIRMED"       // settled on chain (final)
	PayoutFailed    PayoutStatus = "FAILED"          // did not settle; reversed (final)
)

// Valid reports whether s is one of the three statuses.
func (s PayoutStatus) Valid() bool {
	return s == PayoutPending || s == PayoutConfirmed || s == PayoutFailed
}

// payoutMoves is the one table of allowed payout moves.
var payoutMoves = [...]struct{ from, to PayoutStatus }{
	{PayoutPending, PayoutConfirmed},
	{PayoutPending, PayoutFailed},
}

// CanMovePayout reports whether the table allows a payout to move from one
// status to another.
func CanMovePayout(from, to PayoutStatus) bool {
	for _, m := range payoutMoves {
		if m.from == from && m.to == to {
			return true
		}
	}
	return false
}

// Payout rules and defaults.
const (
	// MethodUSDC is the only payout method.
	MethodUSDC = "usdc"
	// ChainBase is the only payout chain.
	ChainBase = "base"
	// MinPayout is the smallest amount that may be paid out: 10.00 USD.
	MinPayout Cents = 1000
	// DefaultGasFee is the gas fee charged on a payout when the embedder
	// sets none: 0.03 USD.
	DefaultGasFee Cents = 3
	// MaxReasonLen is the longest failure reason kept, in characters.
	MaxReasonLen = 1000
)

// Payout is a withdrawal of an operator's money to a wallet. It is a value
// with no references, so a copy is a deep copy.
type Payout struct {
	ID         string // PayoutIDPrefix and a ULID
	OperatorID string
	// Amount leaves the available balance; GasFee is taken from it and
	// Net = Amount - GasFee reaches the wallet.
	Amount Cents
	GasFee Cents
	Net    Cents
	Method string // MethodUSDC
	Chain  string // ChainBase
	// ToAddress is the wallet, "0x" and 40 hex digits, as the operator
	// wrote it (a mixed-case address may carry an EIP-55 checksum).
	ToAddress string
	Status    PayoutStatus
	// TxHash is the transaction's hash, "0x" and 64 lower-case hex digits,
	// once confirmed; "" before.
	TxHash string
	// FailureReason says why a failed payout failed; "" otherwise.
	FailureReason string
	CreatedAt     time.Time
	// SettledAt is when the payout was confirmed or failed; zero before.
	SettledAt time.Time
}

// PayoutRequest is what an operator sends to be paid. Field comments give the
// wire names used in error messages.
type PayoutRequest struct {
	Amount        Cents  // "amount_usd"
	Method        string // "method"
	Chain         string // "chain"
	WalletAddress string // "wallet_address"
}

// Errors about payouts.
var (
	// ErrNotFound is returned when no payout has the id.
	ErrNotFound = fault.New(fault.NotFound, "ledger", "payout_not_found", "payout not found")
	// ErrWrongState is returned for a payout move the table does not allow
	// from the payout's status. The error returned carries a message naming
	// the status the payout is in; errors.Is matches it with ErrWrongState.
	ErrWrongState = fault.New(fault.Conflict, "ledger", "wrong_state",
		"payout is not in a status that allows this")
	// ErrBelowMinimum is returned for a payout request under MinPayout.
	ErrBelowMinimum = &fault.Error{Kind: fault.Unprocessable, Op: "ledger", Code: "below_minimum",
		Field: "amount_usd", Message: "amount_usd must be at least " + MinPayout.String()}
	// ErrFeeExceedsAmount is returned for a payout request whose amount does
	// not exceed the gas fee, which would leave nothing to send.
	ErrFeeExceedsAmount = &fault.Error{Kind: fault.Unprocessable, Op: "ledger", Code: "fee_exceeds_amount",
		Field: "amount_usd", Message: "amount_usd must be above the gas fee"}
)

// Check returns nil when r is a valid request with the given gas fee, and
// otherwise the first rule broken: method not "usdc", chain not "base", or a
// wallet_address that is not "0x" and 40 hex digits (in any case) are
// Invalid, naming the field; an amount_usd below zero or above MaxAmount is
// Invalid; below MinPayout it is ErrBelowMinimum, and at or under the gas fee
// ErrFeeExceedsAmount. A negative gas fee is the embedder's mistake, an
// internal error. Whether the balance covers the amount is CheckFunds'
// business.
func (r PayoutRequest) Check(gasFee Cents) error {
	if gasFee < 0 {
		return fmt.Errorf("ledger: gas fee %s is negative", gasFee)
	}
	if r.Method != MethodUSDC {
		return fault.Invalidf("ledger", "method", "method must be %q", MethodUSDC)
	}
	if r.Chain != ChainBase {
		return fault.Invalidf("ledger", "chain", "chain must be %q", ChainBase)
	}
	// TODO(payout): a mixed-case address carries an EIP-55 checksum that
	// would catch typos; checking it needs Keccak-256, which the standard
	// library lacks. Until then any case is accepted, as the contract says.
	if !hexString(r.WalletAddress, 40) {
		return fault.Invalidf("ledger", "wallet_address",
			"wallet_address must be 0x followed by 40 hexadecimal digits")
	}
	if r.Amount < 0 || r.Amount > MaxAmount {
		return fault.Invalidf("ledger", "amount_usd", "amount_usd must be from 0 to %s", MaxAmount)
	}
	if r.Amount < MinPayout {
		return ErrBelowMinimum
	}
	if r.Amount <= gasFee {
		return detailed(ErrFeeExceedsAmount, "amount_usd must be above the gas fee of %s", gasFee)
	}
	return nil
}

// NewPayout checks req (see PayoutRequest.Check) and returns the payout it
// asks for, PENDING_ONCHAIN, with the given id, for operatorID, created at
// now: Net is the amount less gasFee and the wallet address is in lower
// case. It does not check the funds (see CheckFunds) and appends nothing:
// the caller appends PayoutDebit in the same transaction.
func NewPayout(req PayoutRequest, id, operatorID string, gasFee Cents, now time.Time) (Payout, error) {
	if err := req.Check(gasFee); err != nil {
		return Payout{}, err
	}
	if !validID(PayoutIDPrefix, id) {
		return Payout{}, fmt.Errorf("ledger: payout id must be %q and a ULID, got %q", PayoutIDPrefix, id)
	}
	if operatorID == "" {
		return Payout{}, fmt.Errorf("ledger: payout %s has no operator", id)
	}
	return Payout{
		ID:         id,
		OperatorID: operatorID,
		Amount:     req.Amount,
		GasFee:     gasFee,
		Net:        req.Amount - gasFee,
		Method:     MethodUSDC,
		Chain:      ChainBase,
		ToAddress:  strings.TrimSpace(req.WalletAddress),
		Status:     PayoutPending,
		CreatedAt:  now.UTC(),
	}, nil
}

// Confirm records that the payout settled on chain in the transaction
// txHash ("0x" and 64 hex digits, any case; kept in lower case), at now:
// PENDING_ONCHAIN to CONFIRMED. It returns the changed copy; p is not
// changed. From any other status it returns ErrWrongState; an invalid hash
// is Invalid, naming "tx_hash".
func (p Payout) Confirm(txHash string, now time.Time) (Payout, error) {
	if err := p.allow(PayoutConfirmed, "to be confirmed"); err != nil {
		return p, err
	}
	if !hexString(txHash, 64) {
		return p, fault.Invalidf("ledger", "tx_hash", "tx_hash must be 0x followed by 64 hexadecimal digits")
	}
	next := p
	next.Status = PayoutConfirmed
	next.TxHash = strings.ToLower(txHash)
	next.SettledAt = now.UTC()
	return next, nil
}

// Fail records that the payout did not settle, for reason (1 to
// MaxReasonLen characters after trimming), at now: PENDING_ONCHAIN to
// FAILED. It returns the changed copy; p is not changed. The caller appends
// PayoutReversal of the result in the same transaction, which returns the
// amount to the available balance. From any other status it returns
// ErrWrongState; an invalid reason is Invalid, naming "reason".
func (p Payout) Fail(reason string, now time.Time) (Payout, error) {
	if err := p.allow(PayoutFailed, "to fail"); err != nil {
		return p, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > MaxReasonLen {
		return p, fault.Invalidf("ledger", "reason", "reason must be 1 to %d characters", MaxReasonLen)
	}
	next := p
	next.Status = PayoutFailed
	next.FailureReason = reason
	next.SettledAt = now.UTC()
	return next, nil
}

// allow returns nil when p may move to the status to, and otherwise
// ErrWrongState with a message such as "payout is CONFIRMED; it must be
// PENDING_ONCHAIN to fail".
func (p Payout) allow(to PayoutStatus, purpose string) error {
	if CanMovePayout(p.Status, to) {
		return nil
	}
	var from []string
	for _, m := range payoutMoves {
		if m.to == to {
			from = append(from, string(m.from))
		}
	}
	return detailed(ErrWrongState, "payout is %s; it must be %s %s",
		p.Status, strings.Join(from, " or "), purpose)
}

// hexString reports whether s is "0x" followed by n hex digits of any case.
func hexString(s string, n int) bool {
	if len(s) != 2+n || s[:2] != "0x" {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
