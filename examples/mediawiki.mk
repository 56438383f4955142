# SPDX-License-Identifier: MIT
# mediawiki.mk: examples/mediawiki, MediaWiki 1.39 from Debian 12 as a ferry application
# (included by examples/examples.mk).
#   make mediawiki   build/<variant>/examples/mediawiki/packages/<dir>/ (staged from the
#                    installed Debian package, /usr/share/mediawiki) and the signed archives
#                    build/<variant>/examples/mediawiki/pkgs/<dir>.tar.zst (+ index.json and
#                    the signer's public key mediawiki-build.pub). Part of `make examples`
#                    when MediaWiki is installed (scripts/deps.sh installs it); skipped with
#                    a note otherwise.
MW_DIR    := examples/mediawiki
MW_OUT    := $(EX_OUT)/mediawiki
MW_SRC    ?= /usr/share/mediawiki
MW_INPUTS := $(shell find $(MW_DIR) -type f 2>/dev/null) $(wildcard $(MW_SRC)/includes/Defines.php)

$(MW_OUT)/packages/.stamp: $(MW_INPUTS)
	@mkdir -p $(MW_OUT)
	@MW_SRC=$(MW_SRC) bash $(MW_DIR)/stage-packages.sh $(MW_OUT)
	@touch $@

$(MW_OUT)/pkgs/.stamp: $(MW_OUT)/packages/.stamp $(BUILD)/ferry $(MW_DIR)/make-packages.sh
	@FERRY=$(BUILD)/ferry bash $(MW_DIR)/make-packages.sh $(MW_OUT)

.PHONY: mediawiki
ifneq ($(wildcard $(MW_SRC)/includes/Defines.php),)
mediawiki: $(MW_OUT)/pkgs/.stamp
examples: mediawiki
else
mediawiki:
	@echo "  SKIP    MediaWiki packages: no MediaWiki in $(MW_SRC) (bash scripts/deps.sh installs it)"
examples: mediawiki
endif
