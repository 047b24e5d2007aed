package humop_test

import (
	"path/filepath"
	"testing"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
)

func init() {
	adapters["boltstore"] = func(t *testing.T) humop.Store {
		t.Helper()
		st, err := boltstore.Open(filepath.Join(t.TempDir(), "humop.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}
