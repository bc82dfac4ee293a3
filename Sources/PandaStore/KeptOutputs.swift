import Foundation
import PandaCore

extension StoredFile {
    /// The files a job's `outputs` column holds (JSON, as reports wrote it),
    /// nil when it holds none. Recovery hands this record to the pilot that
    /// stores a holding job's outputs, so it must decode or fail loudly: a
    /// record silently read as absent would skip the pilot's check.
    static func list(json: String?) throws -> [StoredFile]? {
        guard let json else { return nil }
        return try JSONDecoder().decode([StoredFile].self, from: Data(json.utf8))
    }
}
