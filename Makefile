# Two commands on a fresh machine with Python 3.11+:  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   := build/demo

.PHONY: demo test wheel-check install bench sample clean

$(BIN)/propcli: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/propcli

# The main job on the shipped sample estate, on a copy (the committed sample stays as it is).
demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO) && cp sample_data/estate.xlsx $(DEMO)/estate.xlsx
	cd $(DEMO) && ../../$(BIN)/propcli check && echo "check: clean"
	cd $(DEMO) && ../../$(BIN)/propcli owners list --building 3 --status 出租
	cd $(DEMO) && ../../$(BIN)/propcli owners find 3-2-1201
	cd $(DEMO) && ../../$(BIN)/propcli owners update 3-2-1201 --phone 13912345678 --notes 电话已核实
	cd $(DEMO) && ../../$(BIN)/propcli owners transfer 3-2-1201 --to 李四 --date 2024-05-01 --phone 13800001111 --settled 1234.50
	cd $(DEMO) && ../../$(BIN)/propcli owners show 3-2-1201
	cd $(DEMO) && ../../$(BIN)/propcli owners list -o owners.xlsx && ../../$(BIN)/propcli owners list -o owners.csv
	@echo "-- the month: readings → anomalies → bills → a payment and its receipt"
	cp sample_data/readings-2026-11.csv $(DEMO)/
	cd $(DEMO) && ../../$(BIN)/propcli meters import readings-2026-11.csv --yes
	cd $(DEMO) && ../../$(BIN)/propcli meters anomalies --period 2026-11 || test $$? -eq 3
	cd $(DEMO) && ../../$(BIN)/propcli billing run --period 2026-11 --dry-run
	cd $(DEMO) && ../../$(BIN)/propcli billing run --period 2026-11
	cd $(DEMO) && ../../$(BIN)/propcli billing run --period 2026-11
	cd $(DEMO) && ../../$(BIN)/propcli payments record 1-1-0802 --amount 2000 --method 现金 --date 2026-11-23 -o 收据.html
	@echo "-- arrears: the morning report, today's dunning steps, a call logged, the notice-board list"
	cd $(DEMO) && ../../$(BIN)/propcli arrears report --as-of 2026-11-23 --min-months 24
	cd $(DEMO) && ../../$(BIN)/propcli arrears due --as-of 2026-11-23 -o 'due-{date}.csv'
	cd $(DEMO) && ../../$(BIN)/propcli arrears log 3-1-0201 --channel 电话 --outcome 承诺月底缴清 --promise 2026-11-30 --date 2026-11-23
	cd $(DEMO) && ../../$(BIN)/propcli arrears report --as-of 2026-11-23 -o 'arrears-{date}.xlsx'
	cd $(DEMO) && ../../$(BIN)/propcli arrears public --as-of 2026-11-23 -o 欠费公示.html
	@echo "-- the front desk's morning: repairs and complaints due, a leak from report to return visit, the unit's file"
	cd $(DEMO) && ../../$(BIN)/propcli workorders due --as-of 2026-11-23 -o 'workorders-due-{date}.csv'
	cd $(DEMO) && ../../$(BIN)/propcli complaints list --overdue --as-of 2026-11-23
	cd $(DEMO) && ../../$(BIN)/propcli workorders open 1-1-0802 --content 卫生间楼板渗水到楼下 --category 渗漏 --phone 13800001111 --at "2026-11-20 18:40"
	cd $(DEMO) && ../../$(BIN)/propcli workorders assign GD2026110025 --to 李师傅 --at "2026-11-20 19:10"
	cd $(DEMO) && ../../$(BIN)/propcli workorders done GD2026110025 --at "2026-11-21 10:00" --leak-test-at "2026-11-23 10:00"
	cd $(DEMO) && ../../$(BIN)/propcli workorders visit GD2026110025 --result 满意 --by 前台小王 --at "2026-11-24 09:00"
	cd $(DEMO) && ../../$(BIN)/propcli workorders show GD2026110025
	cd $(DEMO) && ../../$(BIN)/propcli workorders summary --period 2026-10
	@echo "-- notices: the month's payment notices (PDF + HTML, SMS), demand letters logged for the dunning ladder"
	cd $(DEMO) && ../../$(BIN)/propcli notices render payment --period 2026-11 -o 缴费通知-2026-11.pdf
	cd $(DEMO) && ../../$(BIN)/propcli notices render payment --period 2026-11 -o 缴费短信-2026-11.csv
	cd $(DEMO) && ../../$(BIN)/propcli notices render payment --period 2026-11 -o 缴费通知-2026-11.pdf
	cd $(DEMO) && ../../$(BIN)/propcli notices render demand --as-of 2026-11-23 --min-months 12 --log -o 催缴函.pdf
	@echo "-- the month's figures for the office: 收费率, 户收费率, 清缴率, arrears by age, repairs and visits"
	cd $(DEMO) && ../../$(BIN)/propcli stats monthly --period 2026-10 --as-of 2026-11-23 -o 月度统计-2026-10.html
	cd $(DEMO) && ../../$(BIN)/propcli stats monthly --period 2026-10 --as-of 2026-11-23 -o 月度统计-2026-10.xlsx
	cd $(DEMO) && ../../$(BIN)/propcli stats explain 清缴率 --period 2026-10 --as-of 2026-11-23 -o 清缴率明细-2026-10.csv
	@echo "-- month end: the sample's November in one command, on a fresh copy of the sample in its own folder"
	rm -rf $(DEMO)/month-end && mkdir -p $(DEMO)/month-end
	cp sample_data/estate.xlsx sample_data/readings-2026-11.csv $(DEMO)/month-end/
	cd $(DEMO)/month-end && ../../../$(BIN)/propcli month-end --period 2026-11 --readings readings-2026-11.csv --as-of 2026-11-25 -o 月结 || test $$? -eq 1
	cd $(DEMO)/month-end && ../../../$(BIN)/propcli month-end --period 2026-11 --readings readings-2026-11.csv --as-of 2026-11-25 -o 月结 --yes
	cd $(DEMO)/month-end && ../../../$(BIN)/propcli month-end --period 2026-11 -o 月结
	@echo "demo: outputs in $(DEMO)/; the month end's folder: $(DEMO)/month-end/月结/2026-11/ (open index.html)"

# Two workers on a 2-core machine (pytest-xdist; --dist loadgroup from pyproject keeps the LibreOffice and
# fault tests each on one worker). `make test PYTEST_ARGS=` runs the suite serially.
PYTEST_ARGS ?= -n auto
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The built wheel on its own: fresh virtualenv, a folder outside the source tree, templates from the wheel (~30 s).
wheel-check:
	PYTHON=$(PYTHON) .ci/wheel-check

# S and M by default (about 12 minutes, most of it the openpyxl baseline on M); SIZES=S,M,L adds L.
SIZES ?= S,M
bench: install
	$(BIN)/python bench/run.py --sizes $(SIZES) --runs 3

sample: install
	$(BIN)/python sample_data/generate.py -o sample_data/estate.xlsx

clean:
	rm -rf $(VENV) build .pytest_cache
