package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/humop/humop"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/ledger"
)

// idempotencyKey returns the request's Idempotency-Key with the request's
// fingerprint, or nil when the client sent none.
func idempotencyKey(r *http.Request, body []byte) (*humop.IdempotencyKey, error) {
	vals, ok := r.Header[http.CanonicalHeaderKey(idempotency.Header)]
	if !ok {
		return nil, nil
	}
	if len(vals) != 1 {
		return nil, fault.Invalidf("", idempotency.Header, "send one Idempotency-Key header, not %d", len(vals))
	}
	key := strings.TrimSpace(vals[0])
	if err := idempotency.ValidKey(key); err != nil {
		return nil, err
	}
	return &humop.IdempotencyKey{Key: key, Fingerprint: idempotency.Fingerprint(r.Method, r.URL.Path, body)}, nil
}

// decodeKeyed decodes the body of a request that may carry an
// Idempotency-Key and returns the key with the body's fingerprint.
func decodeKeyed(w http.ResponseWriter, r *http.Request, v any) (*humop.IdempotencyKey, error) {
	body, err := decodeRaw(w, r, v)
	if err != nil {
		return nil, err
	}
	return idempotencyKey(r, body)
}

// markReplay tells the client that the answer is a replay.
func markReplay(w http.ResponseWriter, replayed bool) {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}

type recentTaskJSON struct {
	TaskID      string       `json:"task_id"`
	Title       string       `json:"title"`
	Reward      ledger.Cents `json:"reward_usd"`
	Status      string       `json:"status"`
	CompletedAt *Time        `json:"completed_at"`
}

// earnings serves GET /api/v1/operator/earnings.
func (h *Handler) earnings(w http.ResponseWriter, r *http.Request) error {
	e, err := h.svc.Earnings(r.Context(), operatorFrom(r.Context()))
	if err != nil {
		return err
	}
	recent := []recentTaskJSON{}
	for _, t := range e.Recent {
		recent = append(recent, recentTaskJSON{TaskID: t.ID, Title: t.Title, Reward: t.Reward,
			Status: string(t.Status), CompletedAt: optTime(t.CompletedAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"pending_balance":   e.Balances.Pending,
		"available_balance": e.Balances.Available,
		"total_earned":      e.Balances.TotalEarned,
		"paid_out":          e.Balances.PaidOut,
		"currency":          "USD",
		"recent_tasks":      recent,
	})
	return nil
}

type payoutJSON struct {
	PayoutID      string       `json:"payout_id"`
	Amount        ledger.Cents `json:"amount_usd"`
	GasFee        ledger.Cents `json:"gas_fee_usd"`
	Net           ledger.Cents `json:"net_amount_usd"`
	ToAddress     string       `json:"to_address"`
	Method        string       `json:"method"`
	Chain         string       `json:"chain"`
	Status        string       `json:"status"`
	TxHash        *string      `json:"tx_hash"`
	FailureReason *string      `json:"failure_reason,omitempty"`
	CreatedAt     Time         `json:"created_at"`
	SettledAt     *Time        `json:"settled_at"`
	Message       string       `json:"message,omitempty"`
}

// NewPayoutJSON returns p as the wire shows it.
func NewPayoutJSON(p ledger.Payout) any { return newPayoutJSON(p) }

func newPayoutJSON(p ledger.Payout) payoutJSON {
	return payoutJSON{
		PayoutID:      p.ID,
		Amount:        p.Amount,
		GasFee:        p.GasFee,
		Net:           p.Net,
		ToAddress:     p.ToAddress,
		Method:        p.Method,
		Chain:         p.Chain,
		Status:        string(p.Status),
		TxHash:        optString(p.TxHash),
		FailureReason: optString(p.FailureReason),
		CreatedAt:     Time(p.CreatedAt),
		SettledAt:     optTime(p.SettledAt),
	}
}

type payoutRequest struct {
	AmountUSD     json.RawMessage `json:"amount_usd"`
	Method        string          `json:"method"`
	WalletAddress string          `json:"wallet_address"`
	Chain         string          `json:"chain"`
}

// requestPayout serves POST /api/v1/operator/payout.
func (h *Handler) requestPayout(w http.ResponseWriter, r *http.Request) error {
	var req payoutRequest
	ik, err := decodeKeyed(w, r, &req)
	if err != nil {
		return err
	}
	amount, given, err := money(req.AmountUSD, "amount_usd")
	if err != nil {
		return err
	}
	if !given {
		return fault.Invalidf("", "amount_usd", "amount_usd is required: a number of at least 10")
	}
	p, replayed, err := h.svc.RequestPayout(r.Context(), operatorFrom(r.Context()), ledger.PayoutRequest{
		Amount: amount, Method: strings.TrimSpace(req.Method), Chain: strings.TrimSpace(req.Chain),
		WalletAddress: req.WalletAddress,
	}, ik)
	if err != nil {
		return err
	}
	out := newPayoutJSON(p)
	out.Message = "Payout of " + p.Net.String() + " USDC to " + p.ToAddress + " on Base is pending on chain."
	markReplay(w, replayed)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// listPayouts serves GET /api/v1/operator/payouts.
func (h *Handler) listPayouts(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := h.svc.Payouts(r.Context(), operatorFrom(r.Context()), page)
	if err != nil {
		return err
	}
	writePage(w, page, total, list, newPayoutJSON)
	return nil
}
