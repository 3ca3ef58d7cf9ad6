# SPDX-License-Identifier: GPL-2.0
#
# vminspect - top-level build.
#
#   make                 module (for KDIR), companion and selftests
#   make demo            set up, build, boot a VM and show the companion
#   make check           set up, build, lint and test on every kernel
#   make lint            checkpatch, sparse, W=1, clang-format, shellcheck, uapi,
#                        version
#   make deb             Debian packages vminspect and vminspect-dkms in build/deb
#   make man-check       render the man pages, check they cover the CLI's options
#   make pkg-check       build, lintian and install the packages in a clean chroot
#
# KDIR defaults to the running kernel's build directory, else the newest
# installed Debian kernel headers.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
PWD := $(CURDIR)
VERSION := $(shell cat VERSION)
DESTDIR ?=
PREFIX ?= /usr/local
DKMS_SRC := $(DESTDIR)/usr/src/vminspect-$(VERSION)

.PHONY: all modules tools selftests check demo lint bench install \
	install-tools dkms-install clean deps matrix deb man-check pkg-check

all: modules tools selftests

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers found: set KDIR"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules

tools:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests

deps:
	scripts/deps.sh all

# build the module for every kernel of the matrix into build/<kver>/
matrix:
	scripts/build-module.sh --all

check:
	scripts/check.sh

demo:
	scripts/demo.sh

lint:
	scripts/lint.sh

bench:
	scripts/bench.sh

deb:
	scripts/make-deb.sh

man-check:
	scripts/man-check.sh

pkg-check:
	scripts/pkg-check.sh

install: install-tools
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install

install-tools:
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# copy the module source where DKMS expects it, with dkms.conf's
# PACKAGE_VERSION set to VERSION: then
# dkms add/build/install -m vminspect -v $(VERSION)
dkms-install:
	mkdir -p $(DKMS_SRC)
	cp -r VERSION Kbuild Makefile module include $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf build
