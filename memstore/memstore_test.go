package memstore_test

import (
	"testing"

	"github.com/humop/humop"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) humop.Store { return &memstore.Store{} })
}
