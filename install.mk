# SPDX-License-Identifier: MIT
# install.mk: manual pages, shell completion, install/uninstall and the Debian package
# (included by the Makefile; docs/INSTALL.md).
#   make man          build/<flavour>/man: ferry(1) and ferry-GROUP(1) generated from the
#                     command table (scripts/gen-man.py), man/*.scd written by hand; scdoc
#   make completion   build/<flavour>/completion: bash and zsh (scripts/gen-completion.py)
#   make install      PREFIX=/usr/local DESTDIR= (SYSCONFDIR, SYSTEMDUNITDIR= to skip the unit)
#   make uninstall    the same variables; the config file is kept when changed
#   make deb          dpkg-buildpackage -us -uc -b: ../ferry_<version>_<arch>.deb
#   make openapi      daemon/openapi.json from the route table and daemon/openapi.in.json

MAN_OUT   := $(BUILD)/man
COMP_OUT  := $(BUILD)/completion
MAN_SRC   := $(wildcard man/*.scd)
HELP_JSON := $(BUILD)/help.json

$(HELP_JSON): $(BUILD)/ferry
	@mkdir -p $(dir $@)
	$(BUILD)/ferry help --json > $@.tmp && mv $@.tmp $@

# Generated sources first, then every .scd (generated and hand-written) through scdoc.
$(MAN_OUT)/.stamp: $(HELP_JSON) $(MAN_SRC) scripts/gen-man.py
	@rm -rf $(MAN_OUT) && mkdir -p $(MAN_OUT)
	python3 scripts/gen-man.py $(HELP_JSON) $(MAN_OUT)
	@cp $(MAN_SRC) $(MAN_OUT)/
	@for f in $(MAN_OUT)/*.scd; do scdoc < $$f > $${f%.scd} || exit 1; done
	@rm -f $(MAN_OUT)/*.scd
	@touch $@

man: $(MAN_OUT)/.stamp

$(COMP_OUT)/ferry.bash: $(HELP_JSON) scripts/gen-completion.py
	@mkdir -p $(dir $@)
	python3 scripts/gen-completion.py bash $(HELP_JSON) > $@.tmp && mv $@.tmp $@

$(COMP_OUT)/_ferry: $(HELP_JSON) scripts/gen-completion.py
	@mkdir -p $(dir $@)
	python3 scripts/gen-completion.py zsh $(HELP_JSON) > $@.tmp && mv $@.tmp $@

completion: $(COMP_OUT)/ferry.bash $(COMP_OUT)/_ferry

# What goes to <prefix>/share/ferry ($(FERRY_SHAREDIR)): the layout of the tree
# (catalog/, daemon/), so that FERRY_DATA_DIR may point at either.
SHARE_WEB := $(wildcard daemon/web/*)
SHARE_CAT := $(wildcard catalog/*.json)
EX_PKGS    = $(wildcard $(BUILD)/examples/pkgs/*.zip)
DEST_SHARE = $(DESTDIR)$(FERRY_SHAREDIR)
INSTALL   ?= install

install: all man completion $(if $(EXAMPLES_BIN),examples)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0755 $(BUILD)/ferry $(DESTDIR)$(BINDIR)/ferry
	$(INSTALL) -m 0755 $(BUILD)/ferryd $(DESTDIR)$(SBINDIR)/ferryd
	$(INSTALL) -d $(DEST_SHARE)/catalog $(DEST_SHARE)/daemon/web $(DEST_SHARE)/examples
	$(INSTALL) -m 0644 $(SHARE_CAT) $(DEST_SHARE)/catalog/
	$(INSTALL) -m 0644 daemon/openapi.json $(DEST_SHARE)/daemon/
	$(INSTALL) -m 0644 $(SHARE_WEB) $(DEST_SHARE)/daemon/web/
	$(INSTALL) -m 0644 examples/ledger/README.md $(DEST_SHARE)/examples/
	$(if $(EX_PKGS),$(INSTALL) -d $(DEST_SHARE)/examples/pkgs && \
		$(INSTALL) -m 0644 $(EX_PKGS) $(DEST_SHARE)/examples/pkgs/)
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 $(MAN_OUT)/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(MAN_OUT)/*.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 $(MAN_OUT)/*.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0644 $(COMP_OUT)/ferry.bash $(DESTDIR)$(BASHCOMPDIR)/ferry
	$(INSTALL) -m 0644 $(COMP_OUT)/_ferry $(DESTDIR)$(ZSHCOMPDIR)/_ferry
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/ferry
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf ]; then \
		echo "  KEEP    $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf (exists)"; \
	else $(INSTALL) -m 0644 contrib/ferryd.conf $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf; fi
	$(if $(SYSTEMDUNITDIR),$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) && \
		sed 's|/usr/sbin/ferryd|$(SBINDIR)/ferryd|; s|/usr/bin/ferry|$(BINDIR)/ferry|' \
		contrib/ferryd.service > $(DESTDIR)$(SYSTEMDUNITDIR)/ferryd.service && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/ferryd.service)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ferry $(DESTDIR)$(SBINDIR)/ferryd
	rm -rf $(DEST_SHARE)
	rm -f $(DESTDIR)$(MANDIR)/man1/ferry.1 $(DESTDIR)$(MANDIR)/man1/ferry-*.1 \
	      $(DESTDIR)$(MANDIR)/man5/ferryd.conf.5 $(DESTDIR)$(MANDIR)/man5/ferry-package.5 \
	      $(DESTDIR)$(MANDIR)/man8/ferryd.8
	rm -f $(DESTDIR)$(BASHCOMPDIR)/ferry $(DESTDIR)$(ZSHCOMPDIR)/_ferry
	$(if $(SYSTEMDUNITDIR),rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/ferryd.service)
	@if cmp -s contrib/ferryd.conf $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/ferry 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf ]; then \
		echo "  KEEP    $(DESTDIR)$(SYSCONFDIR)/ferry/ferryd.conf (changed)"; fi

deb:
	dpkg-buildpackage -us -uc -b

openapi: $(BUILD)/ferryd
	$(BUILD)/ferryd --route-table > $(BUILD)/routes.json
	python3 scripts/gen-openapi.py $(BUILD)/routes.json > daemon/openapi.json.tmp
	mv daemon/openapi.json.tmp daemon/openapi.json
