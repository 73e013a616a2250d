"""Reports people would rather look at: each as JSON, CSV, a Vega-Lite v5 spec, SVG or PNG."""
