/* The graph view: one node's neighbourhood drawn with Cytoscape.js.
 *
 * Node types have a colour and a shape (TYPES, shown in the legend); edge types are filtered by the
 * page's checkboxes; nodes are placed in rings by type around the centre, each type showing its
 * first LIMIT nodes until "show all" is pressed; labels are drawn for the centre, for the node under
 * the pointer and its neighbours, and for every node once zoomed in, never on top of each other.
 */
(function () {
  "use strict";
  var TYPES = {
    policy: ["#c0392b", "round-rectangle"], document: ["#7f8c8d", "rectangle"], issuer: ["#8e44ad", "star"],
    section: ["#95a5a6", "round-tag"], statement: ["#27ae60", "diamond"], criterion: ["#82c99a", "round-diamond"],
    indication: ["#16a085", "hexagon"], code: ["#b59f3b", "tag"], reference: ["#d68a3a", "vee"],
    work: ["#2c6fbb", "ellipse"], trial: ["#d35400", "triangle"], result: ["#e59866", "round-triangle"],
    guideline: ["#1f4e79", "pentagon"], recommendation: ["#5d8aa8", "rhomboid"],
    external_policy: ["#a04000", "barrel"], overlap: ["#6c3483", "octagon"]
  };
  var LIMIT = 15;  /* nodes of one type shown before "show all" */
  var ZOOMED = 1.6;  /* from this zoom every shown node has its label */

  function style() {
    var rules = [
      {selector: "node", style: {"width": 18, "height": 18, "label": "data(label)", "font-size": 9,
        "text-wrap": "ellipsis", "text-max-width": "120px", "text-valign": "bottom", "text-margin-y": 3,
        "text-opacity": 0, "text-background-color": "#fff", "text-background-opacity": 0.85,
        "text-background-padding": "1px"}},
      {selector: "node.labelled, node[centre = 1]", style: {"text-opacity": 1, "z-index": 10}},
      {selector: "node[centre = 1]", style: {"width": 30, "height": 30, "border-width": 3, "border-color": "#222",
        "font-size": 11, "font-weight": "bold"}},
      {selector: "edge", style: {"width": 1, "curve-style": "bezier", "target-arrow-shape": "triangle",
        "line-color": "#c8c8c8", "target-arrow-color": "#c8c8c8"}},
      {selector: "edge.near", style: {"line-color": "#555", "target-arrow-color": "#555", "width": 2}},
      {selector: ".hidden", style: {"display": "none"}}
    ];
    Object.keys(TYPES).forEach(function (type) {
      rules.push({selector: 'node[type = "' + type + '"]',
                  style: {"background-color": TYPES[type][0], "shape": TYPES[type][1]}});
    });
    return rules;
  }

  function draw(box, data) {
    var order = Object.keys(TYPES);
    var elements = data.nodes.map(function (n) {
      return {data: {id: n.id, label: n.label, type: n.type, centre: n.id === data.centre.id ? 1 : 0}};
    }).concat(data.edges.map(function (e) {
      return {data: {id: e.id, source: e.source, target: e.target, type: e.type}};
    }));
    var cy = cytoscape({container: box, elements: elements, style: style()});
    var expanded = {};
    var legend = document.getElementById("graph-legend");
    var filters = [].slice.call(document.querySelectorAll("#graph-filters input[name=edge]"));

    /* Which nodes and edges show: edges of a checked type, nodes they reach within each type's limit. */
    function update() {
      var checked = {};
      filters.forEach(function (box) { checked[box.value] = box.checked; });
      cy.batch(function () {
        cy.elements().removeClass("hidden");
        cy.edges().forEach(function (e) { if (checked[e.data("type")] === false) { e.addClass("hidden"); } });
        var counts = {};
        cy.nodes().sort(function (a, b) { return a.id() < b.id() ? -1 : 1; }).forEach(function (n) {
          if (n.data("centre")) { return; }
          var reached = n.connectedEdges().filter(function (e) { return !e.hasClass("hidden"); }).length > 0;
          var type = n.data("type");
          counts[type] = counts[type] || {shown: 0, all: 0};
          if (!reached) { n.addClass("hidden"); return; }
          counts[type].all += 1;
          if (!expanded[type] && counts[type].shown >= LIMIT) { n.addClass("hidden"); return; }
          counts[type].shown += 1;
        });
        cy.edges().forEach(function (e) {
          if (e.source().hasClass("hidden") || e.target().hasClass("hidden")) { e.addClass("hidden"); }
        });
        renderLegend(counts);
      });
      var shown = cy.nodes().not(".hidden");
      shown.layout({name: "concentric", animate: false, minNodeSpacing: 24, avoidOverlap: true,
        concentric: function (n) { return n.data("centre") ? order.length + 1 : order.length - order.indexOf(n.data("type")); },
        levelWidth: function () { return 1; }}).run();
      labels();
      box.dataset.rendered = String(shown.length);
      box.dataset.edges = String(cy.edges().not(".hidden").length);
    }

    function renderLegend(counts) {
      legend.innerHTML = "";
      order.forEach(function (type) {
        var present = cy.nodes('[type = "' + type + '"]').length;
        if (!present) { return; }
        var c = counts[type] || {shown: 0, all: 0};
        var item = document.createElement("li");
        item.dataset.type = type;
        var swatch = document.createElement("span");
        swatch.className = "swatch shape-" + TYPES[type][1];
        swatch.style.backgroundColor = TYPES[type][0];
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        var centre = cy.nodes('[centre = 1][type = "' + type + '"]').length;
        item.appendChild(document.createTextNode(" " + type.replace("_", " ") + " (" + TYPES[type][1] + "): " +
          (c.shown + centre) + (c.all > c.shown ? " of " + (c.all + centre) : "")));
        if (c.all > c.shown) {
          var more = document.createElement("button");
          more.type = "button";
          more.textContent = "show all " + (c.all + centre);
          more.addEventListener("click", function () { expanded[type] = true; update(); });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(more);
        }
        legend.appendChild(item);
      });
    }

    /* Labels: the centre always; the node under the pointer and its neighbours; all once zoomed in. Where
       two labels would overlap, the later one is not drawn. */
    var hovered = null;
    function labels() {
      var zoomed = cy.zoom() >= ZOOMED;
      var wanted = hovered ? hovered.closedNeighborhood("node") : cy.collection();
      var placed = [];
      cy.batch(function () {
        cy.nodes().removeClass("labelled");
        cy.nodes().not(".hidden").sort(function (a, b) {
          return (b.data("centre") - a.data("centre")) || ((b === hovered) - (a === hovered));
        }).forEach(function (n) {
          if (!(n.data("centre") || zoomed || wanted.has(n))) { return; }
          var box = n.boundingBox({includeLabels: true, includeNodes: false});
          var clash = placed.some(function (p) {
            return box.x1 < p.x2 && p.x1 < box.x2 && box.y1 < p.y2 && p.y1 < box.y2;
          });
          if (!clash) { n.addClass("labelled"); placed.push(box); }
        });
      });
    }

    cy.on("mouseover", "node", function (event) {
      hovered = event.target;
      hovered.connectedEdges().addClass("near");
      labels();
    });
    cy.on("mouseout", "node", function (event) {
      event.target.connectedEdges().removeClass("near");
      hovered = null;
      labels();
    });
    cy.on("zoom", labels);
    cy.on("tap", "node", function (event) {
      window.location = box.dataset.nodeUrl + encodeURIComponent(event.target.id());
    });
    filters.forEach(function (input) { input.addEventListener("change", update); });
    var apply = document.querySelector("#graph-filters button[type=submit]");
    if (apply) { apply.hidden = true; }  /* the checkboxes act at once; the button is for pages without script */
    window.kbGraph = cy;
    update();
  }

  var box = document.getElementById("cy");
  fetch(box.dataset.json).then(function (r) { return r.json(); }).then(function (data) { draw(box, data); });
})();
