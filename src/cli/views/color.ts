// The colour decision lives in src/util so lower layers (config reports) share it.
export { colors, shouldColor, type Colors } from '../../util/color.ts';
