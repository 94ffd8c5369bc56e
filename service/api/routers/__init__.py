"""One router per feature; handlers hand the request to the feature and shape the answer."""
