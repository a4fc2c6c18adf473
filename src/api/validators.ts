import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { printableText } from '../transfers/envelope';

/** The formats the API's own schemas use, for query and body alike. */
const withFormats = (ajv: Ajv2020) => addFormats(ajv, ['date', 'date-time']).addFormat('printable', printableText);

/** Query values are text: coercion turns "20" into the 20 an integer schema asks for. */
export const queryAjv = withFormats(new Ajv2020({ strict: true, coerceTypes: true }));

/** Bodies are JSON, typed already: nothing is coerced, every error is listed. */
export const bodyAjv = withFormats(new Ajv2020({ strict: true, allErrors: true }));
