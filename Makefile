# Accesso Unico - UmbriaSemplice. The two commands: `make run` and `make test`.
# Everything else is a step of those two, runnable on its own.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DB ?= var/accesso-unico.db
LISTEN ?= 127.0.0.1:8080
BIN = $(BUILD)/accesso-unico

.PHONY: run test deps build configure import serve bench clean

run: deps build import serve   ## install, build, import the bundled data, serve on http://127.0.0.1:8080

test: deps build               ## install, build, run every test (SQLite and PostgreSQL, browser)
	scripts/run-tests.sh $(BUILD)

deps:
	scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

import: build
	$(BIN) --database sqlite:$(DB) import data

serve: build                   ## the portal, with the demo OpenID provider unless AU_OIDC_ISSUER is set
	scripts/serve-demo.sh $(BIN) $(DB) $(LISTEN)

bench: deps build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) var
