import { Rng, cumulative } from './prng.js';

/**
 * 住所コード master of the fictional demo city 「みどり市」: 40 towns (町), most split into 1–5 丁目,
 * a 7-digit postal code starting with 333 per town, and the office (本庁 or 支所) that serves it.
 * It does not depend on the run's seed, so runs with different seeds share one master.
 */

export const CITY_NAME = 'みどり市';

/**
 * The offices serving the towns, five towns each, by their office_code in config/organization.yaml
 * (address_area.branch_office_code references office): 本庁 (国民健康保険課), 新郷支所, 神根支所, 芝支所,
 * 安行支所, 戸塚支所, 鳩ヶ谷支所, 川口駅前行政センター.
 */
export const BRANCH_OFFICES = ['kokuho', 'shingo', 'kamine', 'shiba', 'angyo', 'totsuka', 'hatogaya', 'ekimae'] as const;

const TOWNS = [
  '緑町', '若葉台', '桜ケ丘', '青葉町', '本町', '栄町', '旭町', '富士見台', '春日町', '東雲',
  '柳原', '梅園', '松風台', '竹林', '花見台', '星ヶ丘', '月見町', '水元', '石畳', '清水町',
  '宮前', '南みどり', '北みどり', '西みどり', '東みどり', '中央', '新田', '大原', '小山台', '高砂',
  '柏木', '萩野', '菖蒲池', '朝日ヶ丘', '白鷺', '若宮', '泉町', '翠ヶ丘', '椿町', '楓台',
] as const;

/** Towns without 丁目 (addresses are 番地 only). */
const NO_CHOME = new Set([13, 21, 29, 37]);

export interface Area {
  area_code: string;
  town_name: string;
  chome: number | null;
  postal_code: string;
  branch_office_code: string;
  /** Index into BRANCH_OFFICES (used for the 被保険者証記号). */
  officeIndex: number;
}

function buildAreas(): Area[] {
  const rng = new Rng(0x6d696472); // fixed: the master is the same for every seed
  const areas: Area[] = [];
  TOWNS.forEach((town, i) => {
    const officeIndex = Math.floor(i / 5);
    const postal = `3330${String(801 + i).padStart(3, '0')}`;
    const chomeCount = NO_CHOME.has(i) ? 0 : rng.int(1, 5);
    const base = String(i + 1).padStart(3, '0');
    if (chomeCount === 0) {
      areas.push({ area_code: `${base}00`, town_name: town, chome: null, postal_code: postal, branch_office_code: BRANCH_OFFICES[officeIndex]!, officeIndex });
    }
    for (let c = 1; c <= chomeCount; c++) {
      areas.push({ area_code: `${base}${String(c).padStart(2, '0')}`, town_name: town, chome: c, postal_code: postal, branch_office_code: BRANCH_OFFICES[officeIndex]!, officeIndex });
    }
  });
  return areas;
}

export const AREAS: readonly Area[] = buildAreas();

/** Relative population of each area (some 丁目 are dense, some sparse), fixed like the master. */
export const AREA_WEIGHTS: Float64Array = (() => {
  const rng = new Rng(0x77656967);
  return cumulative(AREAS.map(() => 0.4 + rng.next() * 1.6));
})();

export const AREA_COLUMNS = ['area_code', 'town_name', 'chome', 'postal_code', 'branch_office_code'] as const;
