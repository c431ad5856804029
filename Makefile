# Obelisk: the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       ?= bin/obelisk
DATA      ?= ./obelisk-data
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: all build run test deps lint bench fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/obelisk

## run: the switch on its built-in demo call centre (data in ./obelisk-data)
run: build
	$(BIN) run --data $(DATA)

## test: every test, after installing what the tests need from Debian
## (cmd/obelisk's end-to-end calls take longer than go test's default 10 min)
test: deps lint
	$(GO) test -race -count=1 -timeout 40m ./...

deps:
	scripts/install-deps.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: a short run of every fuzz target (FUZZTIME=30s each by default)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
