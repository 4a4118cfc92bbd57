"""The report page's own script: expand the compact trials once, feed every chart and download, filters.

It reads the one ``application/json`` element (report.page_data's compact
columns, chart specs, small datasets), rebuilds the trial rows exactly as
``trials.csv``/``trials.json`` hold them (floats printed as Python's
``repr``, times as ``datetime.isoformat``, CSV quoting as Python's ``csv``
module, and cells that a spreadsheet would run as a formula neutralised with
a leading ``'`` as OWASP advises), builds the charts' ``trials`` dataset from
the same rows, and sets the filter controls' values on every chart at once.
"""

from amt_pipeline.report.safe_text import VISIBLE_CONTROLS_JS
from amt_pipeline.trials.csv_safety import NEUTRALISE_CSV_TEXT_JS

PAGE_SCRIPT = r"""
(function () {
  "use strict";
""" + NEUTRALISE_CSV_TEXT_JS + VISIBLE_CONTROLS_JS + r"""
  var data = JSON.parse(document.getElementById("amt-report-data").textContent);
  var T = data.table, n = T.n;
  function pad(v, w) { v = String(v); while (v.length < w) v = "0" + v; return v; }
  function pyFloat(x) {
    if (!isFinite(x)) return "";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    var parts = Math.abs(x).toExponential().split("e"), exp = +parts[1];
    var digits = parts[0].replace(".", ""), sign = x < 0 ? "-" : "";
    if (exp >= -4 && exp < 16) {
      if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
      var whole = digits.slice(0, exp + 1);
      while (whole.length < exp + 1) whole += "0";
      return sign + whole + "." + (digits.slice(exp + 1) || "0");
    }
    return sign + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" +
      (exp < 0 ? "-" : "+") + pad(Math.abs(exp), 2);
  }
  function isoTime(micros, offset) {
    var local = micros + (offset || 0) * 1e6, ms = Math.floor(local / 1000), d = new Date(ms);
    var frac = ((local % 1e6) + 1e6) % 1e6;
    var text = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2) + "T" +
      pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + ":" + pad(d.getUTCSeconds(), 2) +
      (frac ? "." + pad(frac, 6) : "");
    if (offset === null) return text;
    var a = Math.abs(offset);
    return text + (offset < 0 ? "-" : "+") + pad(Math.floor(a / 3600), 2) + ":" + pad(Math.floor(a % 3600 / 60), 2);
  }
  var byName = {};
  T.columns.forEach(function (c) {
    byName[c.name] = c;
    c.gone = {};
    (c.absent || []).forEach(function (i) { c.gone[i] = 1; });
  });
  function raw(c, i) {  // the JSON value (times: epoch microseconds)
    if (c.type === "m") return c.json[i];
    if (c.prefix !== undefined) return c.nulls.indexOf(i) >= 0 ? null : c.prefix + byName.TrainingJobName.values[i];
    if (c.dict) return c.codes[i] === null ? null : c.dict[c.codes[i]];
    var v = c.values[i];
    return c.type === "t" && v !== null ? c.base + v * c.unit : v;
  }
  function jsonValue(c, i) { var v = raw(c, i); return c.type === "t" && v !== null ? isoTime(v, c.offset) : v; }
  function csvText(c, i) {
    if (c.type === "m") return c.csv[i];
    var v = raw(c, i);
    if (v === null || v === undefined) return "";
    if (c.type === "f") return pyFloat(v);
    if (c.type === "t") return isoTime(v, c.offset);
    return String(v);
  }
  function csvCell(text, c) {
    if (c.type !== "t") text = neutraliseCsvText(text);  // trials/csv_safety.py, as trials.csv
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function trialsCsv() {
    var lines = [T.columns.map(function (c) { return csvCell(c.name, {type: "s"}); }).join(",")];
    for (var i = 0; i < n; i++) lines.push(T.columns.map(function (c) { return csvCell(csvText(c, i), c); }).join(","));
    return lines.join("\n") + "\n";
  }
  function trialsJson() {
    var rows = [];
    for (var i = 0; i < n; i++) {
      var row = {};
      T.columns.forEach(function (c) { if (!c.gone[i]) row[c.name] = jsonValue(c, i); });
      rows.push(row);
    }
    return JSON.stringify(rows);
  }
  function chartRows() {
    var m = data.chart, rows = new Array(n);
    var col = function (name) { return byName[name] || null; };
    var value = function (c, i) { return c && !c.gone[i] ? raw(c, i) : null; };
    var text = function (c, i) { var v = value(c, i); return v === null ? null : visibleControls(v); };
    var start = col("TrainingStartTime"), created = col("CreationTime"), end = col("TrainingEndTime");
    for (var i = 0; i < n; i++) {
      var s = value(start, i); if (s === null) s = value(created, i);
      var e = value(end, i);
      // Job-supplied text as Vega will draw it: bidirectional controls made visible (report.safe_text).
      var r = {job: text(col("TrainingJobName"), i), tuning_job: text(col("TuningJobName"), i) || m.tuning_job,
               status: text(col("TrainingJobStatus"), i), objective: value(col("FinalObjectiveValue"), i),
               start: s === null ? null : s / 1000, end: e === null ? (s === null ? null : s / 1000) : e / 1000,
               elapsed: value(col("TrainingElapsedTimeSeconds"), i)};
      var failure = text(col("FailureReason"), i);
      if (failure !== null) r.failure = failure;  // absent, so the tooltips leave out "Failure reason: null"
      m.fields.forEach(function (f) {
        var v = value(col(f.column), i);
        if (f.categorical && v !== null) {
          v = visibleControls(typeof v === "number" ? (Number.isInteger(v) ? String(v) : pyFloat(v)) : String(v));
        }
        r[f.field] = v;
      });
      Object.keys(m.derived).forEach(function (k) { r[k] = m.derived[k][i]; });
      rows[i] = r;
    }
    return rows;
  }
  var datasets = Object.assign({trials: chartRows()}, data.datasets);
  var views = {};
  var options = {renderer: "canvas", actions: {export: true, source: false, compiled: false, editor: false},
                 tooltip: {theme: "light"}};
  var pending = Object.keys(data.specs).map(function (id) {
    var element = document.getElementById("chart-" + id);
    var spec = data.specs[id];
    // The shared datasets beside the chart's own inline ones (Altair puts a DataFrame's rows in
    // spec.datasets): replacing them left the importance bars and the baseline rule with no data.
    spec.datasets = Object.assign({}, spec.datasets || {}, datasets);
    return vegaEmbed(element, spec, options).then(function (result) {
      views[id] = result.view;
      element.__amtView = result.view;  // for the browser tests
      element.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      element.setAttribute("data-rendered", "error");
      element.textContent = "This chart could not be drawn: " + error;
      console.error("chart " + id + ": " + error);
    });
  });
  var texts = {csv: trialsCsv, json: trialsJson};
  Object.keys(data.downloads).forEach(function (id) {
    var item = data.downloads[id];
    var link = document.getElementById("download-" + id);
    var text = texts[id] ? texts[id]() : ("value" in item ? JSON.stringify(item.value) : item.text);
    link.href = URL.createObjectURL(new Blob([text], {type: item.type}));
    link.download = item.filename;
  });
  function setSignal(name, value) {
    Object.keys(views).forEach(function (id) {
      try { views[id].signal(name, value).runAsync(); } catch (e) { /* a chart without the signal */ }
    });
  }
  var controls = {"filter-top": ["f_top", function (el) { return +el.value; }],
                  "filter-hide": ["f_hide", function (el) { return el.checked; }],
                  "filter-job": ["f_job", function (el) { return el.value; }],
                  "filter-metric": ["f_metric", function (el) { return el.value; }]};
  Object.keys(controls).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    el.addEventListener("change", function () {
      setSignal(controls[id][0], controls[id][1](el));
      if (id === "filter-metric") setSignal("f_metric_title", el.options[el.selectedIndex].text);
      if (id === "filter-top") document.getElementById("filter-top-value").textContent = el.value + " %";
    });
    el.addEventListener("input", function () { el.dispatchEvent(new Event("change")); });
  });
  Promise.all(pending).then(function () { document.body.setAttribute("data-charts-done", "true"); });
})();
"""
