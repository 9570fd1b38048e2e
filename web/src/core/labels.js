// Display names of the API's codes in the chosen language.
import { emit } from './bus.js';
import { locale, tOr } from './i18n.js';
import { state } from './store.js';

const label = (group) => (code) => (code === null || code === undefined ? '—' : tOr(`${group}.${code}`, code));

export const incidentStatus = label('incident_status');
export const unitStatus = label('unit_status');
export const assignmentStatus = label('assignment_status');
export const unitType = label('unit_type');
export const disposition = label('disposition');
export const channel = label('channel');
export const role = label('role');
export const breach = label('breach');
export const timelineKind = label('timeline');
export const phoneKind = label('phone_kind');

export function categoryName(code) {
  const category = state.categoryByCode.get(code);
  return category ? category.name[locale()] || category.name.ru || code : code;
}

const districtNames = new Map(); // code → {name, name_ru, name_kk, name_en} from the district map

export function setDistrictNames(features) {
  districtNames.clear();
  for (const feature of features ?? []) {
    const properties = feature.properties ?? {};
    if (properties.code) districtNames.set(properties.code, properties);
  }
  emit('districts'); // names arrive after the first render (the map loads them): who shows one re-renders
}

export function districtCodes() {
  return [...districtNames.keys()];
}

export function district(code) {
  if (!code) return '—';
  const names = districtNames.get(code);
  return names?.[`name_${locale()}`] || names?.name || code;
}

/** Where an incident is, in words: its address, else its coordinates. */
export function place(incident) {
  if (incident.address) return incident.address;
  if (incident.lat !== null && incident.lat !== undefined) return `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}`;
  return '—';
}
